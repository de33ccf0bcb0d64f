// Issue 11's figures, on loopback, the service in this process (the call rig of the e2e tests:
// embedded database, the segment cache off, kal16), a Twilio stand-in and an agent stand-in.
//  1. Agent token to first media frame: from the `text` message that completes the first clause
//     to the first `media` frame Twilio gets, beside the synthesizer's own time to first audio for
//     the same clause measured in the same run on the same pool. Goal: p50 <= 1.2 x that + 5 ms.
//  2. Barge-in: from the first frame of the caller's speech (real speech, sent in real time after
//     silence) to the `clear` Twilio gets. Goal: p99 <= the start threshold + 40 ms.
//  3. The VAD's CPU per call: a call's second of caller audio (50 frames) through the detector.
//     (The concurrency run of `npm run bench -- calls` with an agent on every call is not here.)
// `npm run bench -- agent`; BENCH_AGENT_RUNS sets the runs of figures 1 and 2.
import { putNumber } from '../src/store/numbers.js'
import { read } from '../src/speech/read.js'
import { decodeMulaw } from '../src/audio/g711.js'
import { rms, SOUND_RMS } from '../src/telephony/caller-audio.js'
import { VoiceActivity } from '../src/telephony/vad.js'
import { VAD_DEFAULTS } from '../src/telephony/agent/settings.js'
import { startAgentApp } from '../test/helpers/agent-app.js'
import { spokenFrames } from '../test/helpers/caller-voice.js'
import { callIn, startCallRig } from '../test/helpers/twilio-app.js'
import { figure, ms, percentile } from './stats.js'

const RUNS = Number(process.env.BENCH_AGENT_RUNS ?? 30)
const TO = '+15005554000'
const NOUNS = ['table', 'order', 'car', 'room', 'refund', 'booking', 'parcel', 'ticket', 'quote', 'pizza', 'invoice', 'prescription', 'repair', 'laptop', 'report']

const agents = await startAgentApp()
const rig = await startCallRig({ env: { CACHE_BYTES: '0', CALL_IDLE_TIMEOUT: '0' } })
const { app } = rig.apps[0]
await putNumber(rig.db, { e164: TO, greeting: null, voice: 'kal16', bargeInDigit: null, agent: { url: agents.url } })
const kal16 = app.synth.voice('kal16')!

/** The synthesizer's time to the first audio of `text`, live, as a call's speech. */
async function ttfa(text: string): Promise<number> {
  const t0 = performance.now()
  for await (const chunk of app.synth.stream(read(text, kal16), { live: true, words: true })) {
    if (chunk.samples.length) return performance.now() - t0
  }
  throw new Error('no audio')
}

// Warm the workers (and the JIT) before anything is timed.
await ttfa('Warming up the workers.')

const tokenToMedia: number[] = []
const synthTtfa: number[] = []
for (let i = 0; i < RUNS; i++) {
  // A short sentence (the first segment whole), fresh each run.
  const clause = `Your ${NOUNS[i % NOUNS.length]} is ready now`
  synthTtfa.push(await ttfa(`${clause}.`))
  const index = agents.sockets.length
  const { stream } = await callIn(rig.apps[0], { to: TO, speed: 1 })
  const agent = await agents.socket(index)
  await agent.next('setup')
  for (const word of `${clause}. `.split(/(?<= )/)) agent.send({ type: 'text', token: word, last: false })
  await new Promise((r) => setTimeout(r, 20))
  if (stream.count('media') > 0) throw new Error('audio before the clause was complete')
  // The next word's first letters fix the clause's end: this message completes it.
  const sent = performance.now()
  agent.send({ type: 'text', token: 'Please', last: false })
  await stream.until(() => stream.count('media') > 0, 'first media')
  tokenToMedia.push(stream.firstMediaAt - sent)
  stream.sendStop()
  await stream.closed
}
const p50 = percentile(tokenToMedia, 50)
const base = percentile(synthTtfa, 50)
figure('agent token -> first media frame p50', ms(p50), `p99 ${ms(percentile(tokenToMedia, 99))}; synthesizer TTFA p50 ${ms(base)}, ratio ${(p50 / base).toFixed(2)}`, '<= 1.2 x TTFA + 5 ms', p50 <= 1.2 * base + 5)

const voice = spokenFrames('Wait, I need to ask something about my appointment.')
const firstSound = voice.findIndex((f) => rms(decodeMulaw(f)) >= SOUND_RMS)
const reply = 'Our office is open from nine in the morning until five in the evening, Monday through Friday, and on Saturday mornings until noon.'
const bargeIn: number[] = []
for (let i = 0; i < RUNS; i++) {
  const index = agents.sockets.length
  const { stream } = await callIn(rig.apps[0], { to: TO, speed: 1 })
  const agent = await agents.socket(index)
  await agent.next('setup')
  agent.send({ type: 'text', token: reply, last: true })
  await stream.until(() => stream.count('media') > 10, 'the reply')
  const silence = Array.from({ length: 15 }, () => Buffer.alloc(160, 0xff))
  let speechAt = 0
  void stream.sendPaced([...silence, ...voice.slice(firstSound)], (k) => {
    if (k === silence.length) speechAt = performance.now()
  })
  await stream.until(() => stream.count('clear') > 0, 'clear')
  bargeIn.push(stream.received.find((r) => r.event === 'clear')!.at - speechAt)
  stream.sendStop()
  await stream.closed
}
const p99 = percentile(bargeIn, 99)
figure('barge-in (first speech frame -> clear) p99', ms(p99), `p50 ${ms(percentile(bargeIn, 50))}; start threshold ${VAD_DEFAULTS.start_ms} ms, ratio ${(p99 / (VAD_DEFAULTS.start_ms + 40)).toFixed(2)} of threshold + 40 ms`, `<= ${VAD_DEFAULTS.start_ms + 40} ms`, p99 <= VAD_DEFAULTS.start_ms + 40)

const vad = await VoiceActivity.create()
const pcm = voice.map((f) => decodeMulaw(f))
const frames = 50 * 600
const t0 = process.cpuUsage()
for (let k = 0; k < frames; k++) vad.push(pcm[k % pcm.length], k * 20)
const cpu = process.cpuUsage(t0)
vad.close()
const perCallSecond = (cpu.user + cpu.system) / 1000 / (frames / 50)
figure('VAD CPU per call', `${perCallSecond.toFixed(3)} ms per second of call`, `${((perCallSecond / 1000) * 100).toFixed(3)}% of a core; a core runs the VAD of ${Math.floor(1000 / perCallSecond)} calls`, 'a small part of a call (report)', perCallSecond < 10)

await rig.close()
await agents.close()
