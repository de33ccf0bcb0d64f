// Phone lines (admin): what each Twilio number says when called, in which voice, and which key
// interrupts it, or the agent (an app over a WebSocket) or built-in assistant (an LLM) that
// converses with its callers; edit, hear the first words as the caller will (8 kHz μ-law), delete.
import { getJson, request, sendJson } from './api.js'
import { $, attempt, h, say } from './dom.js'
import { mulawToFloat, playClip } from './audio.js'
import { confirmButton } from './confirm.js'
import { fillVoiceSelect, loadVoices } from './voices.js'

const status = () => $('number-status')
const error = () => $('number-error')

// The agent's form fields by the API's names: text as typed, VAD figures as numbers.
const AGENT_TEXT = { url: 'agent-url', welcome_greeting: 'agent-welcome', handoff_url: 'agent-handoff', apology: 'agent-apology' }
const VAD = { aggressiveness: 'agent-aggressiveness', start_ms: 'agent-start', stop_ms: 'agent-stop' }

// The assistant's: those it cannot do without are sent as typed (the API says what is wrong with
// them); the optional ones only when filled in, so the service's defaults apply.
const ASSISTANT_NEEDS = { model: 'assistant-model', instructions: 'assistant-instructions', greeting: 'assistant-greeting' }
const ASSISTANT_MAY = { transfer_to: 'assistant-transfer', language: 'assistant-language', apology: 'assistant-apology' }
const MODEL_HINT = { openai: 'gpt-4.1-mini', anthropic: 'claude-haiku-4-5' }

// Per mode: where its first words are typed, what to ask for when there are none, and what to focus on editing.
const FIRST_WORDS = {
  greeting: { id: 'number-greeting', missing: 'Write a greeting first.', focus: 'number-greeting' },
  agent: { id: 'agent-welcome', missing: 'Write a welcome greeting first.', focus: 'agent-url' },
  assistant: { id: 'assistant-greeting', missing: "Write the assistant's greeting first.", focus: 'assistant-instructions' },
}

const mode = () => document.querySelector('input[name="number-mode"]:checked').value
const modeOf = (n) => (n?.assistant ? 'assistant' : n?.agent ? 'agent' : 'greeting')

/** A greeting, an agent and an assistant are exclusive: the hidden ones are disabled too, so they are neither checked nor sent. */
function showMode(chosen) {
  document.querySelector(`input[name="number-mode"][value="${chosen}"]`).checked = true
  $('number-greeting-field').hidden = $('number-greeting').disabled = chosen !== 'greeting'
  $('number-agent').hidden = $('number-agent').disabled = chosen !== 'agent'
  $('number-assistant').hidden = $('number-assistant').disabled = chosen !== 'assistant'
}

function fillAgent(a = {}) {
  for (const [name, id] of Object.entries(AGENT_TEXT)) $(id).value = a[name] ?? ''
  for (const [name, id] of Object.entries(VAD)) $(id).value = a.vad?.[name] ?? ''
  $('agent-interruptible').value = a.interruptible ?? 'any'
  $('agent-forward').checked = a.forward_audio ?? false
  $('agent-params').value = Object.entries(a.custom_parameters ?? {}).map(([k, v]) => `${k}=${v}`).join('\n')
}

/** The agent object PUT takes: fields left empty are left out, so the service's defaults apply. */
function agentOf() {
  const agent = { interruptible: $('agent-interruptible').value, forward_audio: $('agent-forward').checked }
  for (const [name, id] of Object.entries(AGENT_TEXT)) if ($(id).value.trim()) agent[name] = $(id).value
  const vad = {}
  for (const [name, id] of Object.entries(VAD)) if ($(id).value !== '') vad[name] = Number($(id).value)
  if (Object.keys(vad).length) agent.vad = vad
  const params = {}
  for (const line of $('agent-params').value.split('\n').filter((l) => l.trim())) {
    const at = line.indexOf('=')
    if (at < 1) throw new Error(`Custom parameters are name=value, one a line: “${line.trim()}” is not.`)
    params[line.slice(0, at).trim()] = line.slice(at + 1).trim()
  }
  if (Object.keys(params).length) agent.custom_parameters = params
  return agent
}

function fillAssistant(a = {}) {
  $('assistant-provider').value = a.provider ?? 'openai'
  $('assistant-model').placeholder = MODEL_HINT[$('assistant-provider').value]
  for (const [name, id] of Object.entries({ ...ASSISTANT_NEEDS, ...ASSISTANT_MAY })) $(id).value = a[name] ?? ''
  $('assistant-max-turns').value = a.max_turns ?? ''
}

/** The assistant object PUT takes. Its voice is the number's (voice_id beside it), so it names none. */
function assistantOf() {
  const assistant = { provider: $('assistant-provider').value }
  for (const [name, id] of Object.entries(ASSISTANT_NEEDS)) assistant[name] = $(id).value
  if ($('assistant-max-turns').value !== '') assistant.max_turns = Number($('assistant-max-turns').value)
  for (const [name, id] of Object.entries(ASSISTANT_MAY)) if ($(id).value.trim()) assistant[name] = $(id).value.trim()
  return assistant
}

/** Who converses with the callers, in the list. */
const answeredBy = (n) => (n.agent ? n.agent.url : n.assistant ? `assistant: ${n.assistant.provider} ${n.assistant.model}` : 'none')
const firstWords = (n) => n.greeting ?? n.assistant?.greeting ?? n.agent?.welcome_greeting ?? '(the agent speaks first)'

function edit(n) {
  $('number-e164').value = n?.e164 ?? ''
  $('number-greeting').value = n?.greeting ?? ''
  showMode(modeOf(n))
  fillAgent(n?.agent ?? undefined)
  fillAssistant(n?.assistant ?? undefined)
  $('number-digit').value = n?.barge_in_digit ?? ''
  if (n) $('number-voice').value = n.voice_id
  say(status(), n ? `Editing ${n.e164}.` : '')
  $(n ? FIRST_WORDS[modeOf(n)].focus : 'number-e164').focus()
}

async function list() {
  const { numbers } = await getJson('/v1/numbers')
  const rows = numbers.map((n) => h('tr', {},
    h('td', {}, n.e164), h('td', { 'data-label': 'Voice' }, n.voice_id), h('td', { 'data-label': 'Barge-in' }, n.barge_in_digit ?? 'default'),
    h('td', { 'data-label': 'Answered by' }, answeredBy(n)), h('td', {}, firstWords(n)),
    h('td', {}, h('span', { class: 'actions' },
      h('button', { type: 'button', 'aria-label': `Edit ${n.e164}`, onclick: () => edit(n) }, 'Edit'),
      confirmButton('Delete', `Really delete ${n.e164}?`, () => attempt(error(), async () => {
        await sendJson('DELETE', `/v1/numbers/${encodeURIComponent(n.e164)}`)
        say(status(), `${n.e164} deleted: it answers with the service's defaults.`)
        await list()
      }))))))
  $('numbers-table').tBodies[0].replaceChildren(...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 6 }, 'No numbers yet: calls are answered with the defaults.'))]))
}

async function save() {
  const e164 = $('number-e164').value.trim()
  const body = { voice_id: $('number-voice').value }
  const chosen = mode()
  if (chosen === 'agent') body.agent = agentOf()
  else if (chosen === 'assistant') body.assistant = assistantOf()
  else body.greeting = $('number-greeting').value
  if ($('number-digit').value) body.barge_in_digit = $('number-digit').value
  await sendJson('PUT', `/v1/numbers/${encodeURIComponent(e164)}`, body)
  say(status(), `Saved ${e164}.`)
  await list()
}

/** The first words as the phone network carries them: 8 kHz G.711 μ-law, decoded here as a phone would. */
async function hear() {
  const { id, missing } = FIRST_WORDS[mode()]
  const text = $(id).value
  if (!text.trim()) throw new Error(missing)
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
  for (const radio of document.querySelectorAll('input[name="number-mode"]')) radio.addEventListener('change', () => showMode(mode()))
  $('assistant-provider').addEventListener('change', () => ($('assistant-model').placeholder = MODEL_HINT[$('assistant-provider').value]))
}
