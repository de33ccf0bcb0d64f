// The playground: a sentence (or an SSML document) spoken through /v1/speak (in the chosen format, word timings on), played from the
// first chunk, the words lit as they are heard, the time to first sound shown, a waveform, and a
// download of the same text in the chosen format through POST /v1/tts.
import { errorOf, key, request } from './api.js'
import { $, attempt, h, say } from './dom.js'
import { StreamPlayer, drawWaveform } from './audio.js'
import { fillVoiceSelect, loadVoices } from './voices.js'

let voices = []
let current = null // { socket, player, stopped }

function filter() {
  const q = $('voice-search').value.trim().toLowerCase()
  const engine = $('voice-engine').value
  const language = $('voice-language').value
  const shown = voices.filter((v) =>
    (!engine || v.engine === engine) && (!language || v.language === language) &&
    (!q || `${v.name} ${v.slug} ${v.language} ${v.engine}`.toLowerCase().includes(q)))
  fillVoiceSelect($('voice'), shown, $('voice').value)
}

const distinct = (f) => [...new Set(voices.map(f))].sort()

function options() {
  const voice = voices.find((v) => v.slug === $('voice').value)
  if (!voice) throw new Error('Choose a voice: none matches the search.')
  const encoding = encodingOf($('format').value)
  // The telephone codecs are 8 kHz unless a rate is chosen, as POST /v1/tts makes them.
  const rate = Number($('rate').value) || (encoding === 'linear16' ? voice.sample_rate : 8000)
  const text = $('speak-text').value
  // /v1/speak takes a Speak as SSML only when it opens as a document (the server's own test, here).
  if (ssmlChosen() && !/^\s*(?:<\?xml\b|<!DOCTYPE\b|<speak[\s>/])/.test(text)) throw new Error('An SSML document starts with <speak>.')
  return { voice, text, rate, speed: Number($('speed').value), encoding }
}

const ssmlChosen = () => document.querySelector('input[name="text-type"]:checked').value === 'ssml'

/**
 * Switching keeps what was typed: text becomes a <speak> document around it, and a document its
 * words (as the XML parser reads them), so either way there is something to speak at once.
 */
function switchTextType() {
  const area = $('speak-text')
  const ssml = ssmlChosen()
  $('speak-text-label').textContent = ssml ? 'SSML document' : 'Text'
  const isDocument = area.value.trimStart().startsWith('<')
  if (ssml && !isDocument) {
    area.value = `<speak>${area.value.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</speak>`
  } else if (!ssml && isDocument) {
    const doc = new DOMParser().parseFromString(area.value, 'application/xml')
    if (!doc.querySelector('parsererror')) area.value = doc.documentElement.textContent.trim()
  }
}

/** What the socket sends for a format: telephone codecs as they are, the rest as PCM16 (MP3 is heard as PCM, downloaded as MP3). */
const encodingOf = (format) => (format === 'mulaw' || format === 'alaw' ? format : 'linear16')

function speakUrl({ voice, rate, speed, encoding }) {
  const q = new URLSearchParams({ model: voice.slug, encoding, sample_rate: String(rate), speed: String(speed), timestamps: 'true' })
  return `/v1/speak?${q}`
}

/** Why the socket was refused before it opened: a plain GET of the same URL answers in words (or 426 when all is well). */
async function refusal(path) {
  const res = await fetch(path, { headers: { 'x-api-key': key.get() ?? '' } })
  return res.status === 426 ? new Error('The speech socket could not be opened. Try again.') : errorOf(res)
}

function stop() {
  if (!current) return
  current.stopped = true
  current.socket.close()
  current.player.stop()
}

function speak() {
  stop()
  const started = performance.now()
  const o = options()
  const path = speakUrl(o)
  const player = new StreamPlayer(o.rate, o.encoding)
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`, ['token', key.get() ?? ''])
  socket.binaryType = 'arraybuffer'
  const run = { socket, player, stopped: false, opened: false }
  current = run
  const figures = $('ttfa')
  const words = $('words')
  words.replaceChildren()
  drawWaveform($('waveform'), player.samples, 0, 0) // the last speech's waveform is not this one's
  figures.textContent = 'Waiting for the first audio…'
  delete figures.dataset.firstSoundMs
  $('stop').disabled = false
  say($('speak-error'), '')

  socket.onopen = () => {
    run.opened = true
    socket.send(JSON.stringify({ type: 'Speak', text: o.text }))
    socket.send(JSON.stringify({ type: 'Flush' }))
  }
  socket.onmessage = (event) => {
    if (typeof event.data !== 'string') {
      const first = player.length === 0
      const at = player.push(event.data)
      if (first) {
        const arrived = performance.now() - started
        const sound = arrived + Math.max(0, at - player.ctx.currentTime) * 1000
        figures.dataset.firstAudioMs = arrived.toFixed(1)
        figures.dataset.firstSoundMs = sound.toFixed(1)
        figures.textContent = `First audio from the server after ${Math.round(arrived)} ms; first sound after ${Math.round(sound)} ms.`
        requestAnimationFrame(animate)
      }
      return
    }
    const m = JSON.parse(event.data)
    if (m.type === 'Metadata') figures.dataset.requestId = m.request_id
    else if (m.type === 'Words') for (const w of m.words) words.append(h('span', { 'data-start': w.start, 'data-end': w.end }, w.word), ' ')
    else if (m.type === 'Flushed') socket.send(JSON.stringify({ type: 'Close' }))
    else if (m.type === 'Warning') say($('speak-error'), m.description)
  }
  socket.onclose = async (event) => {
    if (run.stopped) return
    // Nothing was spoken (a bad SSML document is dropped with a Warning): there is nothing to stop.
    if (player.length === 0) {
      figures.textContent = 'No audio came.'
      if (current === run) $('stop').disabled = true
    }
    if (!run.opened) say($('speak-error'), await refusal(path).catch((err) => err))
    else if (event.code !== 1000) say($('speak-error'), `The speech stopped: ${event.reason || 'the connection was lost'} (${event.code}).`)
  }

  function animate() {
    const pos = player.position()
    for (const span of words.children) span.classList.toggle('lit', Number(span.dataset.start) <= pos && pos < Number(span.dataset.end))
    drawWaveform($('waveform'), player.samples, player.length, player.length ? pos / (player.length / o.rate) : 0)
    const over = run.stopped || (socket.readyState === WebSocket.CLOSED && player.done)
    if (!over) requestAnimationFrame(animate)
    else if (current === run) $('stop').disabled = true
  }
}

async function download() {
  const { voice, text, speed } = options()
  const format = $('format').value
  const body = { text, voice_id: voice.slug, format, speed }
  // Text mode sends no text_type, so a <speak> document is read as SSML just as /v1/speak reads it.
  if (ssmlChosen()) body.text_type = 'ssml'
  if ($('rate').value) body.sample_rate = Number($('rate').value)
  const blob = await (await request('POST', '/v1/tts', body)).blob()
  const url = URL.createObjectURL(blob)
  const ext = { pcm16: 'pcm', mulaw: 'ulaw', alaw: 'alaw' }[format] ?? format
  h('a', { href: url, download: `speech-${voice.slug}.${ext}` }).click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export async function showPlayground() {
  voices = await loadVoices()
  const fillAny = (select, values) => select.replaceChildren(h('option', { value: '' }, 'Any'), ...values.map((v) => h('option', {}, v)))
  fillAny($('voice-engine'), distinct((v) => v.engine))
  fillAny($('voice-language'), distinct((v) => v.language))
  filter()
}

export function initPlayground() {
  for (const id of ['voice-search', 'voice-engine', 'voice-language']) $(id).addEventListener('input', filter)
  for (const radio of document.querySelectorAll('input[name="text-type"]')) radio.addEventListener('change', switchTextType)
  $('speed').addEventListener('input', () => ($('speed-out').value = `${Number($('speed').value).toFixed(1)}×`))
  $('speak-form').addEventListener('submit', (e) => {
    e.preventDefault()
    try {
      speak()
    } catch (err) {
      say($('speak-error'), err)
    }
  })
  $('stop').addEventListener('click', () => {
    stop()
    $('stop').disabled = true
  })
  $('download').addEventListener('click', () => attempt($('speak-error'), download, $('download')))
}
