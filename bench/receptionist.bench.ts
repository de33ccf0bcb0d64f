// Issue 17's figure, on loopback, the service in this process (the call rig of the e2e tests:
// embedded database, the segment cache off, kal16) with stand-ins for Twilio, for Deepgram's
// `listen` (it hears the caller's real audio) and for OpenAI's streaming API (reached through the
// official SDK, as the service reaches it).
//   The caller stops speaking (the bridge's final transcript is sent) → the first media frame of
//   the assistant's reply reaches Twilio, beside the stand-in model's own time to first token
//   (through the SDK, from this process) plus the synthesizer's time to first audio of the same
//   reply, both measured in the same run. Goal: p50 <= their sum + 10 ms.
// The stand-in takes BENCH_MODEL_TTFT_MS (150 by default) to its first token, then sends the rest
// at once: the figure is the service's own part, not a model's writing speed.
// `npm run bench -- receptionist`; BENCH_RECEPTIONIST_RUNS sets the runs.
import OpenAI from 'openai'
import { read } from '../src/speech/read.js'
import { decodeMulaw } from '../src/audio/g711.js'
import { rms, SOUND_RMS } from '../src/telephony/caller-audio.js'
import { spokenFrames } from '../test/helpers/caller-voice.js'
import { startListenStandIn } from '../test/helpers/deepgram-listen.js'
import { startModelStandIn } from '../test/helpers/model-standin.js'
import { callIn, startCallRig } from '../test/helpers/twilio-app.js'
import { putNumber } from '../src/store/numbers.js'
import { figure, ms, percentile } from './stats.js'

const RUNS = Number(process.env.BENCH_RECEPTIONIST_RUNS ?? 20)
const TTFT_MS = Number(process.env.BENCH_MODEL_TTFT_MS ?? 150)
const TO = '+15005554100'
const REPLY = 'We are open until five today. Is there anything else I can help you with?'

const model = await startModelStandIn()
model.fallback = { text: REPLY, firstTokenMs: TTFT_MS, tokenMs: 0 }
const listen = await startListenStandIn('When do you close today?')
const rig = await startCallRig({
  env: {
    CACHE_BYTES: '0', CALL_IDLE_TIMEOUT: '0', STT_URL: listen.url,
    OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: model.openaiBaseUrl,
  },
})
const { app } = rig.apps[0]
await putNumber(rig.db, {
  e164: TO, greeting: null, voice: 'kal16', bargeInDigit: null,
  assistant: { provider: 'openai', model: 'gpt-bench', instructions: 'You are a receptionist.', greeting: 'Hello.' },
})
const kal16 = app.synth.voice('kal16')!
const client = new OpenAI({ apiKey: 'sk-bench', baseURL: model.openaiBaseUrl, maxRetries: 0 })

/** The stand-in model's time to its first token, through the SDK, as the service asks it. */
async function ttft(): Promise<number> {
  const t0 = performance.now()
  const stream = await client.chat.completions.create({ model: 'gpt-bench', messages: [{ role: 'user', content: 'When do you close today?' }], stream: true })
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta?.content) {
      const t = performance.now() - t0
      stream.controller.abort()
      return t
    }
  }
  throw new Error('no token')
}

/**
 * The synthesizer's time to the first audio of the reply, live, as a call's speech (with the word
 * timings the heard-text account needs): its first clause made while the next waits its turn.
 */
async function ttfa(): Promise<number> {
  const t0 = performance.now()
  for await (const chunk of app.synth.stream(read(REPLY, kal16), { live: true, words: true })) {
    if (chunk.samples.length) return performance.now() - t0
  }
  throw new Error('no audio')
}

await ttfa() // warm the workers and the JIT
await ttft()

const voice = spokenFrames('When do you close today?')
const caller = [...voice.slice(voice.findIndex((f) => rms(decodeMulaw(f)) >= SOUND_RMS)), ...Array.from({ length: 45 }, () => Buffer.alloc(160, 0xff))]
const turnToAudio: number[] = []
const modelTtft: number[] = []
const synthTtfa: number[] = []
for (let i = 0; i < RUNS; i++) {
  modelTtft.push(await ttft())
  synthTtfa.push(await ttfa())
  const { stream } = await callIn(rig.apps[0], { to: TO, speed: 1 })
  await stream.echoOf('e') // the greeting, heard
  const greeting = stream.count('media')
  const finals = listen.finals.length
  await stream.sendPaced(caller)
  await stream.until(() => stream.count('media') > greeting, 'the reply', 10_000)
  if (listen.finals.length !== finals + 1) throw new Error('the bridge did not send one final transcript')
  const first = stream.received.filter((r) => r.event === 'media')[greeting]
  turnToAudio.push(first.at - listen.finals[finals])
  stream.sendStop()
  await stream.closed
}
const p50 = percentile(turnToAudio, 50)
const base = percentile(modelTtft, 50) + percentile(synthTtfa, 50)
figure(
  'caller stops (final transcript) -> first audio of the reply p50', ms(p50),
  `p99 ${ms(percentile(turnToAudio, 99))}; model TTFT p50 ${ms(percentile(modelTtft, 50))} + synthesizer TTFA p50 ${ms(percentile(synthTtfa, 50))} = ${ms(base)}, ratio ${(p50 / base).toFixed(2)}`,
  '<= TTFT + TTFA + 10 ms', p50 <= base + 10,
)

await rig.close()
await model.close()
await listen.close()
