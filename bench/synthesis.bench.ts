// Issue 2's synthesis figures: time to first audio (warm, cache off) beside the engine alone,
// pool throughput with two workers beside one, and time to first audio from the cache.
import { SynthesisPool } from '../src/speech/workers.js'
import { Synthesizer } from '../src/speech/synthesizer.js'
import { FliteEngine } from '../src/speech/engines/flite.js'
import { percentile, ms, figure } from './stats.js'
import { read } from '../src/speech/read.js'

const RUNS = 200
const PROMPT = 'Thank you for calling Acme Dental, how can we help you today? Our office is open nine to five, Monday through Friday.'

async function firstAudio(synth: Synthesizer, text: string): Promise<number> {
  const start = performance.now()
  let ttfa = -1
  for await (const chunk of synth.stream(read(text, synth.voice('slt')!, 1))) {
    if (ttfa < 0 && chunk.samples.length > 0) ttfa = performance.now() - start
  }
  return ttfa
}

async function timeToFirstAudio(): Promise<void> {
  const pool = new SynthesisPool(2)
  const synth = new Synthesizer(pool, await pool.voices(), { cacheBytes: 0 })
  const first = read(PROMPT, synth.voice('slt')!)[0].text
  const engine = new FliteEngine()
  for (let i = 0; i < 20; i++) {
    engine.synthesizeSync(first, { voice: 'slt', speed: 1 })
    await firstAudio(synth, PROMPT)
  }
  const alone: number[] = []
  const piped: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now()
    engine.synthesizeSync(first, { voice: 'slt', speed: 1 })
    alone.push(performance.now() - t)
    piped.push(await firstAudio(synth, PROMPT))
  }
  const [p50, p99, e50] = [percentile(piped, 50), percentile(piped, 99), percentile(alone, 50)]
  console.log(`first segment: "${first}"`)
  figure('time to first audio (slt, warm, cache off)', `p50 ${ms(p50)}, p99 ${ms(p99)}`,
    `engine alone p50 ${ms(e50)}, ratio ${(p50 / e50).toFixed(2)}x`, 'p50 <= 25 ms and <= 1.2x engine', p50 <= 25 && p50 <= 1.2 * e50)

  const cached = new Synthesizer(pool, synth.voices(), { cacheBytes: 16 * 1024 * 1024 })
  await firstAudio(cached, PROMPT)
  const hits: number[] = []
  for (let i = 0; i < RUNS; i++) hits.push(await firstAudio(cached, PROMPT))
  figure('time to first audio, repeated prompt (cache)', `p50 ${ms(percentile(hits, 50))}, p99 ${ms(percentile(hits, 99))}`,
    `${(e50 / percentile(hits, 50)).toFixed(0)}x faster than the engine`, '< 1 ms p50', percentile(hits, 50) < 1)
  engine.close()
  await pool.close()
}

/** Seconds of audio per second of wall time with `workers` threads kept busy. */
/** Seconds of audio a second, `workers` lanes x 2 pulling the same sentences from one queue. */
async function throughput(pool: SynthesisPool, voice: string, sentences: string[]): Promise<number> {
  const rate = (await pool.voices()).find((v) => v.id === voice)!.sampleRate
  let samples = 0
  const queue = [...sentences]
  const lane = async () => {
    for (let text = queue.shift(); text; text = queue.shift()) {
      for await (const c of pool.synthesize({ engine: 'flite', voice, text, speed: 1 })) if (c instanceof Int16Array) samples += c.length
    }
  }
  const start = performance.now()
  await Promise.all(Array.from({ length: pool.size * 2 }, lane))
  return samples / rate / ((performance.now() - start) / 1000)
}

// Each run makes about a second of work for one worker (kal16 is ten times faster than slt, so it
// gets ten times the sentences); one-worker and two-worker runs alternate, and the medians are
// compared, so a slow moment on the machine falls on both sides.
async function poolScaling(voice: string, count: number): Promise<void> {
  const sentences = Array.from({ length: count }, (_, i) => `This is test sentence number ${i + 1}, which is spoken at a normal pace.`)
  const pools = [new SynthesisPool(1), new SynthesisPool(2)]
  const results: number[][] = [[], []]
  for (const pool of pools) await throughput(pool, voice, sentences) // warm
  for (let round = 0; round < 5; round++) {
    for (const [i, pool] of pools.entries()) results[i].push(await throughput(pool, voice, sentences))
  }
  await Promise.all(pools.map((p) => p.close()))
  const [one, two] = results.map((r) => percentile(r, 50))
  figure(`pool throughput ${voice}`, `${two.toFixed(0)} s of audio/s with 2 workers`,
    `1 worker: ${one.toFixed(0)} s/s, ratio ${(two / one).toFixed(2)}x, medians of 5 alternating runs`, '>= 1.8x one worker', two / one >= 1.8)
}

await timeToFirstAudio()
await poolScaling('slt', 24)
await poolScaling('kal16', 240)
