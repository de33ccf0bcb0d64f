// Live calls: pushed by the server (GET /v1/calls/events, Server-Sent Events read through fetch so
// the key travels in a header, not the URL), each row updated in place; say, clear, hang up; read
// what was said on a call with an agent or an assistant.
import { getJson, request, sendJson } from './api.js'
import { $, attempt, h, say } from './dom.js'

const FINAL = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled'])
const RECONNECT_MS = 2000
let watching = null // AbortController of the open stream
let target = null // the call the say form speaks on
let reading = null // the call whose transcript is shown

const callName = (c) => `${c.direction === 'inbound' ? 'From' : 'To'} ${(c.direction === 'inbound' ? c.from : c.to) ?? 'unknown'}`
const tokens = (c) => `Model tokens: ${c.model_input_tokens.toLocaleString('en-US')} in, ${c.model_output_tokens.toLocaleString('en-US')} out`
/** Under the call's name: who converses on it, and for an assistant what its model has used so far. */
const who = (c) => (c.assistant ? `Assistant: ${c.assistant.provider} ${c.assistant.model} · ${tokens(c)}` : c.agent ? `Agent: ${c.agent.url}` : null)
const now = (c) => (FINAL.has(c.status) ? 'ended' : c.speaking ? `Saying “${c.saying}”${c.queued ? ` (${c.queued} more queued)` : ''}` : c.live ? 'listening' : 'not connected')

function row(c) {
  const sid = c.call_sid
  const busy = (fn) => (e) => attempt($('calls-error'), fn, e.currentTarget)
  const actions = c.live && sid ? [
    h('button', { type: 'button', onclick: () => openSay(c) }, 'Say'),
    h('button', { type: 'button', onclick: busy(() => sendJson('POST', `/v1/calls/${sid}/clear`)) }, 'Clear'),
    h('button', { type: 'button', class: 'danger', onclick: busy(() => sendJson('POST', `/v1/calls/${sid}/hangup`)) }, 'Hang up'),
  ] : []
  // Only an agent or an assistant leaves a transcript; it stays readable once the call is over.
  if (sid && (c.agent || c.assistant)) actions.push(h('button', { type: 'button', onclick: busy(() => openTranscript(c)) }, 'Transcript'))
  return h('tr', { 'data-id': c.id, 'data-status': c.status, 'data-live': String(c.live) },
    h('td', {}, callName(c), h('br'), h('small', {}, sid ?? c.id), ...(who(c) ? [h('br'), h('small', { class: 'who' }, who(c))] : [])),
    h('td', { 'data-label': 'Status' }, c.status), h('td', { 'data-label': 'Now' }, now(c)), h('td', { 'data-label': 'Frames sent' }, c.frames_sent),
    h('td', {}, h('span', { class: 'actions', 'aria-label': `Actions for ${callName(c)}` }, ...actions)))
}

function show(c) {
  const body = $('calls-table').tBodies[0]
  const old = body.querySelector(`tr[data-id="${CSS.escape(c.id)}"]`)
  if (old && old.dataset.live === String(c.live)) {
    // Updated in place, not replaced: a button being pressed or focused stays where it is.
    old.dataset.status = c.status
    old.cells[1].textContent = c.status
    old.cells[2].textContent = now(c)
    old.cells[3].textContent = c.frames_sent
    const line = old.cells[0].querySelector('.who')
    if (line) line.textContent = who(c)
  } else if (old) old.replaceWith(row(c))
  else body.prepend(row(c))
  if (target?.id === c.id && !c.live) closeSay()
  if (reading?.id === c.id) {
    reading = c
    showTokens(c)
  }
}

const showTokens = (c) => say($('transcript-tokens'), c.assistant ? tokens(c) : '')

// An agent's turn the caller did not hear to its end: why, in words.
const CUT = { interrupted: 'cut off', ended: 'the call ended' }

/** One turn: the caller's words, or the agent's as heard, the rest of a cut-off reply folded away. */
function turn(t) {
  const speaker = h('strong', {}, t.speaker === 'caller' ? 'Caller: ' : 'Agent: ')
  if (t.speaker === 'caller' || !CUT[t.outcome]) return h('li', { class: t.speaker }, speaker, t.text)
  return h('li', { class: 'agent cut' }, speaker, t.heard || '(nothing)', ' ', h('em', {}, `— ${CUT[t.outcome]}`),
    h('details', {}, h('summary', {}, 'What it would have said'), t.text))
}

async function loadTranscript() {
  const c = reading
  const { turns } = await getJson(`/v1/calls/${encodeURIComponent(c.call_sid)}/transcript`)
  if (reading?.id !== c.id) return // another call's was asked for meanwhile
  $('transcript-turns').replaceChildren(...(turns.length ? turns.map(turn) : [h('li', { class: 'none' }, 'Nothing has been said yet.')]))
}

/** Shown below the table; its heading takes the focus so a screen reader goes there. */
async function openTranscript(c) {
  reading = c
  await loadTranscript()
  if (reading?.id !== c.id) return
  $('transcript-title').textContent = `Transcript: ${callName(c)}`
  showTokens(reading)
  $('transcript').hidden = false
  $('transcript-title').focus()
}

function closeTranscript() {
  reading = null
  $('transcript').hidden = true
}

/** Reads the event stream until it ends or is aborted; `event: call` lines carry one call each. */
async function read(signal) {
  const res = await request('GET', '/v1/calls/events', undefined, signal)
  say($('calls-connection'), 'Connected: calls appear here as they start and end.')
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += value
    let end
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const data = event.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n')
      if (/^event: call$/m.test(event) && data) show(JSON.parse(data))
    }
  }
}

function openSay(c) {
  target = c
  $('say-call').textContent = callName(c)
  $('say-form').hidden = false
  $('say-text').focus()
}

function closeSay() {
  target = null
  $('say-form').hidden = true
}

export function showCalls() {
  if (watching) return
  const controller = (watching = new AbortController())
  void (async () => {
    while (!controller.signal.aborted) {
      try {
        await read(controller.signal)
        say($('calls-connection'), 'The server closed the stream; reconnecting…')
      } catch (err) {
        if (controller.signal.aborted) return
        say($('calls-connection'), `Not connected: ${err.message} Retrying…`)
        if (err.status === 401 || err.status === 403) return
      }
      await new Promise((r) => setTimeout(r, RECONNECT_MS))
    }
  })()
}

export function hideCalls() {
  watching?.abort()
  watching = null
}

export function initCalls() {
  $('say-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const sid = target?.call_sid
    void attempt($('calls-error'), async () => {
      await request('POST', `/v1/calls/${sid}/say`, { text: $('say-text').value, interrupt: $('say-interrupt').checked })
      $('say-text').value = ''
      closeSay()
    }, e.submitter)
  })
  $('say-cancel').addEventListener('click', closeSay)
  // A live call's transcript grows as turns end: read again on demand rather than on every event.
  $('transcript-reload').addEventListener('click', (e) => attempt($('calls-error'), loadTranscript, e.currentTarget))
  $('transcript-close').addEventListener('click', closeTranscript)
}
