// Phone lines (admin): what each Twilio number says when called, in which voice, and which key
// interrupts it; edit, hear the greeting as the caller will (8 kHz μ-law), delete.
import { getJson, request, sendJson } from './api.js'
import { $, attempt, h, say } from './dom.js'
import { mulawToFloat, playClip } from './audio.js'
import { confirmButton } from './confirm.js'
import { fillVoiceSelect, loadVoices } from './voices.js'

const status = () => $('number-status')
const error = () => $('number-error')

function edit(n) {
  $('number-e164').value = n?.e164 ?? ''
  $('number-greeting').value = n?.greeting ?? ''
  $('number-digit').value = n?.barge_in_digit ?? ''
  if (n) $('number-voice').value = n.voice_id
  say(status(), n ? `Editing ${n.e164}.` : '')
  $(n ? 'number-greeting' : 'number-e164').focus()
}

async function list() {
  const { numbers } = await getJson('/v1/numbers')
  const rows = numbers.map((n) => h('tr', {},
    h('td', {}, n.e164), h('td', { 'data-label': 'Voice' }, n.voice_id), h('td', { 'data-label': 'Barge-in' }, n.barge_in_digit ?? 'default'), h('td', {}, n.greeting),
    h('td', {}, h('span', { class: 'actions' },
      h('button', { type: 'button', 'aria-label': `Edit ${n.e164}`, onclick: () => edit(n) }, 'Edit'),
      confirmButton('Delete', `Really delete ${n.e164}?`, () => attempt(error(), async () => {
        await sendJson('DELETE', `/v1/numbers/${encodeURIComponent(n.e164)}`)
        say(status(), `${n.e164} deleted: it answers with the service's defaults.`)
        await list()
      }))))))
  $('numbers-table').tBodies[0].replaceChildren(...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 5 }, 'No numbers yet: calls are answered with the defaults.'))]))
}

async function save() {
  const e164 = $('number-e164').value.trim()
  const body = { greeting: $('number-greeting').value, voice_id: $('number-voice').value }
  if ($('number-digit').value) body.barge_in_digit = $('number-digit').value
  await sendJson('PUT', `/v1/numbers/${encodeURIComponent(e164)}`, body)
  say(status(), `Saved ${e164}.`)
  await list()
}

/** The greeting as the phone network carries it: 8 kHz G.711 μ-law, decoded here as a phone would. */
async function hear() {
  const text = $('number-greeting').value
  if (!text.trim()) throw new Error('Write a greeting first.')
  const res = await request('POST', '/v1/tts', { text, voice_id: $('number-voice').value, format: 'mulaw', sample_rate: 8000 })
  const samples = mulawToFloat(new Uint8Array(await res.arrayBuffer()))
  say(status(), `Playing ${(samples.length / 8000).toFixed(1)} s at 8 kHz μ-law…`)
  await playClip(samples, 8000)
  say(status(), 'Played.')
}

export async function showNumbers() {
  fillVoiceSelect($('number-voice'), await loadVoices(), $('number-voice').value || 'kal16')
  await list()
}

export function initNumbers() {
  $('number-form').addEventListener('submit', (e) => {
    e.preventDefault()
    void attempt(error(), save, e.submitter)
  })
  $('number-hear').addEventListener('click', () => attempt(error(), hear, $('number-hear')))
  $('number-new').addEventListener('click', () => edit(null))
}
