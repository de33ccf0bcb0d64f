// Usage: characters, audio or requests by day this month, as a bar chart (SVG); an admin picks
// any key (GET /v1/keys/:id/usage), anyone else sees their own (GET /v1/usage).
import { getJson } from './api.js'
import { $, attempt, h } from './dom.js'

const SVG = 'http://www.w3.org/2000/svg'
const W = 600, H = 220, LEFT = 48, BOTTOM = 24
let me = null

function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v)
  if (text != null) el.textContent = text
  return el
}

function draw(usage) {
  const measure = $('usage-measure').value
  const name = $('usage-measure').selectedOptions[0].textContent.toLowerCase()
  const start = new Date(usage.period.start)
  const days = Math.round((new Date(usage.period.end) - start) / 86_400_000)
  const byDate = new Map(usage.by_day.map((d) => [d.date, d[measure]]))
  const values = Array.from({ length: days }, (_, i) => byDate.get(new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10)) ?? 0)
  const max = Math.max(1, ...values)
  const bw = (W - LEFT) / days
  const chart = $('usage-chart')
  chart.replaceChildren(
    svg('line', { x1: LEFT, y1: H - BOTTOM, x2: W, y2: H - BOTTOM }),
    svg('text', { x: 0, y: 14 }, max.toLocaleString()),
    svg('text', { x: 0, y: H - BOTTOM }, '0'),
    ...values.flatMap((v, i) => {
      const height = (v / max) * (H - BOTTOM - 16)
      const bar = svg('rect', { x: LEFT + i * bw + 1, y: H - BOTTOM - height, width: Math.max(1, bw - 2), height })
      bar.append(svg('title', {}, `Day ${i + 1}: ${v.toLocaleString()} ${name}`))
      return (i + 1) % 5 === 0 || i === 0 ? [bar, svg('text', { x: LEFT + i * bw, y: H - 6 }, String(i + 1))] : [bar]
    }))
  const month = start.toLocaleString(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' })
  $('usage-summary').textContent = `${month}: ${usage.requests.toLocaleString()} requests, ${usage.characters.toLocaleString()} characters, ${usage.audio_seconds.toLocaleString()} s of audio. Bars: ${name} by day (UTC).`
}

async function load() {
  const id = $('usage-key').value
  draw(await getJson(me.scopes.includes('admin') && id && id !== me.id ? `/v1/keys/${id}/usage` : '/v1/usage'))
}

export async function showUsage() {
  if (me.scopes.includes('admin')) {
    const { keys } = await getJson('/v1/keys')
    const chosen = $('usage-key').value || me.id
    $('usage-key').replaceChildren(...keys.map((k) => h('option', { value: k.id, selected: k.id === chosen }, `${k.name} (${k.prefix}…)${k.id === me.id ? ', this key' : ''}`)))
    $('usage-key-field').hidden = false
  }
  await load()
}

/** The signed-in key ({id, scopes}): whose usage is shown first, and whether others' may be. */
export function setUsageKey(whoami) {
  me = whoami
  $('usage-key').replaceChildren()
  $('usage-key-field').hidden = true
}

export function initUsage() {
  for (const id of ['usage-key', 'usage-measure']) $(id).addEventListener('change', () => attempt($('usage-error'), load))
}
