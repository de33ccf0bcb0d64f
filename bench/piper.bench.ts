// Issue 6's Piper figures, on a model of about Piper medium's size (random weights, built here;
// nothing is downloaded): the engine's overhead beside the bare session.run on the same ids, the
// main thread's event-loop delay while two syntheses run in the pool, and, on the CPU and on a CUDA
// GPU when one is present, time to first audio, real-time factor and whether batching pays.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { PiperEngine } from '../src/speech/engines/piper.js'
import { EspeakEngine } from '../src/speech/engines/espeak.js'
import { feeds, run } from '../src/speech/piper/session.js'
import { SynthesisPool } from '../src/speech/workers.js'
import { mediumLikeModel, piperConfig } from '../test/helpers/piper-model.js'
import { percentile, ms, figure } from './stats.js'

const VOICE = 'piper-medium-like'
const RATE = 22050
const SENTENCE = 'Thank you for calling Acme Dental, how can we help you today?'
const RUNS = 40

const dir = mkdtempSync(join(tmpdir(), 'cw-piper-bench-'))
writeFileSync(join(dir, 'medium-like.onnx'), mediumLikeModel())
writeFileSync(join(dir, 'medium-like.onnx.json'), JSON.stringify(piperConfig()))
console.log(`model: medium-like.onnx, ${(statSync(join(dir, 'medium-like.onnx')).size / 2 ** 20).toFixed(1)} MiB, random weights; ` +
  `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg()[0].toFixed(2)}; 1 intra-op thread per session`)

const espeak = await EspeakEngine.load()

/** (1) A segment through the engine (phonemize, ids, run, PCM16) beside session.run on the same ids. */
async function overhead(): Promise<void> {
  const engine = await PiperEngine.load({ modelsDir: dir, device: 'cpu', threads: 1 }, async () => espeak)
  const [ids] = await engine.phonemeIds(SENTENCE, VOICE)
  const { model, sid, scales } = engine.sessionOf(VOICE)
  const viaEngine = async () => {
    let n = 0
    for await (const chunk of engine.synthesize(SENTENCE, { voice: VOICE, speed: 1 })) n += chunk.length
    return n
  }
  for (let i = 0; i < 5; i++) await Promise.all([viaEngine(), run(model, ids, scales, sid)])
  const engineMs: number[] = []
  const directMs: number[] = []
  let samples = 0
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now()
    samples = await viaEngine()
    engineMs.push(performance.now() - t)
    t = performance.now()
    await run(model, ids, scales, sid)
    directMs.push(performance.now() - t)
  }
  // Best of many, as in bench/audio: on a shared machine the medians carry other processes' noise.
  const [e, d] = [Math.min(...engineMs), Math.min(...directMs)]
  const [e50, d50] = [percentile(engineMs, 50), percentile(directMs, 50)]
  console.log(`segment: "${SENTENCE}" → ${ids.length} ids, ${(samples / RATE).toFixed(2)} s of audio; CPU real-time factor ${(d / 1000 / (samples / RATE)).toFixed(3)}`)
  figure('engine overhead (segment through PiperEngine vs session.run on the same ids)', `best ${ms(e)}`,
    `session.run alone best ${ms(d)}, ratio ${(e / d).toFixed(3)}x; p50 ${ms(e50)} vs ${ms(d50)}, ${(e50 / d50).toFixed(3)}x`, '<= 1.1x', e / d <= 1.1)
  await engine.close()
}

/** p99 of the main thread's event-loop delay over `seconds` while `load` runs. */
async function loopDelayP99(seconds: number, load: (until: number) => Promise<unknown>): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 1 })
  const until = performance.now() + seconds * 1000
  h.enable()
  await Promise.all([load(until), new Promise((r) => setTimeout(r, seconds * 1000))])
  h.disable()
  return h.percentile(99) / 1e6
}

/** (2) Event-loop delay while two syntheses run in the pool's workers, beside an idle loop. */
async function eventLoop(): Promise<void> {
  const pool = new SynthesisPool(2, { modelsDir: dir, device: 'cpu', piperThreads: 1 })
  await pool.status()
  let segments = 0
  const speak = async (until: number) => {
    while (performance.now() < until) {
      for await (const _ of pool.synthesize({ engine: 'piper', voice: VOICE, text: SENTENCE, speed: 1 })) segments++
    }
  }
  await speak(performance.now() + 1000) // both workers warm
  const idle = await loopDelayP99(5, async () => {})
  segments = 0
  const busy = await loopDelayP99(5, (until) => Promise.all([speak(until), speak(until)]))
  figure('event-loop delay p99 while two Piper syntheses run in the pool', ms(busy),
    `idle loop ${ms(idle)}, added ${ms(busy - idle)}, ${segments} segments synthesized meanwhile, load average ${loadavg()[0].toFixed(2)}`, '<= 5 ms added', busy - idle <= 5)
  await pool.close()

  // For contrast only: the same synthesis on the main thread is what the workers spare the sockets.
  const engine = await PiperEngine.load({ modelsDir: dir, device: 'cpu', threads: 1 }, async () => espeak)
  const inline = await loopDelayP99(3, async (until) => {
    while (performance.now() < until) for await (const _ of engine.synthesize(SENTENCE, { voice: VOICE, speed: 1 }));
  })
  console.log(`  (contrast: the same synthesis run on the main thread gives p99 ${ms(inline)})`)
  await engine.close()
}

/** Opens the medium-like voice on `device`; a string says why it does not run there. */
async function withVoice<T>(device: 'cpu' | 'cuda', use: (engine: PiperEngine) => Promise<T>): Promise<T | string> {
  const engine = await PiperEngine.load({ modelsDir: dir, device, threads: 1 }, async () => espeak)
  try {
    if (engine.status().voices[0]?.device !== device) return engine.status().warning ?? `no voice on ${device}`
    return await use(engine)
  } finally {
    await engine.close()
  }
}

/** Time to first audio of a short first segment and the real-time factor of a sentence. */
async function speed(engine: PiperEngine): Promise<{ ttfa: number; rtf: number }> {
  const first = async (text: string) => {
    const t = performance.now()
    let samples = 0
    for await (const chunk of engine.synthesize(text, { voice: VOICE, speed: 1 })) samples += chunk.length
    return { ms: performance.now() - t, samples }
  }
  for (let i = 0; i < 5; i++) await first(SENTENCE)
  const ttfa: number[] = []
  const rtf: number[] = []
  for (let i = 0; i < 20; i++) {
    ttfa.push((await first('Thank you for calling.')).ms)
    const { ms: took, samples } = await first(SENTENCE)
    rtf.push(took / 1000 / (samples / RATE))
  }
  return { ttfa: percentile(ttfa, 50), rtf: percentile(rtf, 50) }
}

/**
 * Whether batching would pay: the sentence's ids as one run, and as one run of a batch of 2, 4 and 8
 * (Piper's export leaves the batch axis open). Batching pays where a segment's share of a batch run
 * costs less than a run of its own; every segment of a batch also waits for the whole batch.
 */
async function batching(engine: PiperEngine): Promise<string> {
  const ort = await import('onnxruntime-node')
  const [ids] = await engine.phonemeIds(SENTENCE, VOICE)
  const { model, sid, scales } = engine.sessionOf(VOICE)
  const parts: string[] = []
  let single = 0
  for (const size of [1, 2, 4, 8]) {
    const batch = feeds(ort, ids, scales, sid, size)
    const took: number[] = []
    for (let i = 0; i < 12; i++) {
      const t = performance.now()
      await model.session.run(batch, [model.output])
      took.push(performance.now() - t)
    }
    const perSegment = Math.min(...took.slice(2)) / size // best after two warm-up runs
    if (size === 1) single = perSegment
    parts.push(`batch ${size}: ${ms(perSegment)} a segment (${(single / perSegment).toFixed(2)}x)`)
  }
  return parts.join(', ')
}

/** (3) GPU beside CPU, and whether batching pays on each; without a CUDA GPU, says so plainly. */
async function devices(): Promise<void> {
  for (const device of ['cpu', 'cuda'] as const) {
    const result = await withVoice(device, async (engine) => ({ ...(await speed(engine)), batches: await batching(engine) }))
    if (typeof result === 'string') {
      console.log(`${device.toUpperCase()}: not measured, no CUDA GPU is available here (${result})`)
      continue
    }
    console.log(`${device.toUpperCase()} (1 intra-op thread): time to first audio of "Thank you for calling." p50 ${ms(result.ttfa)}, ` +
      `real-time factor ${result.rtf.toFixed(4)}, so one session holds ~${Math.floor(1 / result.rtf)} real-time streams without batching`)
    console.log(`  batching, "${SENTENCE}" repeated: ${result.batches}`)
  }
}

try {
  await overhead()
  await eventLoop()
  await devices()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
