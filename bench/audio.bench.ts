// Resample-to-8k + μ-law throughput on one core, in × real time, beside sox doing the same
// conversion on the same audio in the same run; and how close our 8 kHz audio of kal16 speech is to
// sox's (SNR), beside how close sox's own μ-law of it is. Prints; never asserts on timings.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createResampler } from '../src/audio/resample.js'
import { decodeMulaw, encodeMulaw } from '../src/audio/g711.js'
import { resample } from '../src/audio/resample.js'
import { FliteEngine } from '../src/speech/engines/flite.js'
import { snrDb } from '../test/audio/signals.js'

const SECONDS = 60
const LONG_REPEAT = 10 // sox also gets a 10-minute file, so its process start-up does not dominate
const RUNS = 15 // best of many: the figure is what one core can do when nothing else runs
const GOAL_16K = 5000

/** Speech-like test audio: a voiced source (f0 gliding 90–220 Hz, harmonics to 7 kHz under a
 *  falling spectral tilt), syllable-rate amplitude modulation, and bursts of noise (fricatives). */
function speechLike(rate: number, seconds: number): Int16Array {
  const n = Math.round(rate * seconds)
  const x = new Int16Array(n)
  let seed = 12345
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296) * 2 - 1
  let phase = 0
  for (let i = 0; i < n; i++) {
    const t = i / rate
    const f0 = 155 + 65 * Math.sin(2 * Math.PI * 0.37 * t) * Math.sin(2 * Math.PI * 0.11 * t)
    phase += (2 * Math.PI * f0) / rate
    let voiced = 0
    for (let h = 1; h * f0 < Math.min(7000, rate / 2); h++) voiced += Math.sin(h * phase) / h
    const syllable = Math.max(0, Math.sin(2 * Math.PI * 4 * t))
    const fricative = Math.sin(2 * Math.PI * 0.9 * t) > 0.8 ? rand() * 0.3 : 0
    x[i] = Math.round(9000 * (syllable * voiced * 0.6 + fricative))
  }
  return x
}

/** Chunk sizes of 20–100 ms, as an engine or a socket would deliver them (fixed seed). */
function chunkSizes(rate: number, total: number): number[] {
  const sizes: number[] = []
  let seed = 7
  for (let used = 0; used < total; ) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
    const size = Math.min(total - used, Math.round(rate * (0.02 + 0.08 * (seed / 4294967296))))
    sizes.push(size)
    used += size
  }
  return sizes
}

/** One pass of the call path: resample each chunk to 8 kHz, encode it to μ-law. */
function ours(input: Int16Array, rate: number, sizes: number[]): number {
  const resampler = createResampler(rate, 8000)
  let bytes = 0
  let at = 0
  for (const size of sizes) {
    bytes += encodeMulaw(resampler.push(input.subarray(at, at + size))).length
    at += size
  }
  return bytes + encodeMulaw(resampler.flush()).length
}

function timeRuns(runs: number, fn: () => void): { best: number; median: number } {
  const times: number[] = []
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint()
    fn()
    times.push(Number(process.hrtime.bigint() - start) / 1e9)
  }
  times.sort((a, b) => a - b)
  return { best: times[0], median: times[Math.floor(times.length / 2)] }
}

const hasSox = spawnSync('sox', ['--version']).status === 0

function sox(file: string, rate: number, out: string, encoding: 'mu-law' | 'signed' = 'mu-law'): void {
  const args = ['--single-threaded', '-t', 'raw', '-r', String(rate), '-e', 'signed', '-b', '16', '-c', '1', file]
  const run = spawnSync('sox', [...args, '-t', 'raw', '-r', '8000', '-e', encoding, '-b', encoding === 'signed' ? '16' : '8', out])
  if (run.status !== 0) throw new Error(`sox failed: ${run.stderr}`)
}


/** kal16 speech to 8 kHz: ours against sox's PCM16, beside sox's own μ-law against the same. */
function snrAgainstSox(dir: string): void {
  const speech = new FliteEngine().synthesizeSync(
    'Six hundred and sixty six; this is the fastest, cheapest service. She sells sea shells, and six sharp scissors, sir.',
    { voice: 'kal16', speed: 1 },
  ).samples
  const input = join(dir, 'kal16.raw')
  writeFileSync(input, Buffer.from(speech.buffer, speech.byteOffset, speech.byteLength))
  sox(input, 16000, join(dir, 'sox.raw'), 'signed')
  sox(input, 16000, join(dir, 'sox.ulaw'))
  const pcm = readFileSync(join(dir, 'sox.raw'))
  const reference = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2)
  const ours = snrDb(reference, resample(speech, 16000, 8000))
  const theirs = snrDb(reference, decodeMulaw(readFileSync(join(dir, 'sox.ulaw'))))
  console.log(`snr16k->8k (kal16 speech) against sox's PCM16: ${ours.toFixed(1)} dB (sox's own μ-law: ${theirs.toFixed(1)} dB, ratio ${(ours - theirs).toFixed(1)} dB) goal >= 35 dB`)
}

const x = (v: number) => `${Math.round(v)}x`
const label = (rate: number) => `${rate % 1000 ? (rate / 1000).toFixed(2) : rate / 1000}k`

const dir = mkdtempSync(join(tmpdir(), 'audio-bench-'))
try {
  // Other work on the machine slows both sides; the load says how much to trust a run.
  console.log(`load average ${loadavg()[0].toFixed(2)} on ${cpus().length} cores; best of ${RUNS} runs (sox: best of 5)`)
  if (!hasSox) console.log('note: sox is not installed (apt-get install sox): printing our figures without the baseline')
  for (const rate of [16000, 22050, 24000]) {
    const input = speechLike(rate, SECONDS)
    const sizes = chunkSizes(rate, input.length)
    const expected = Math.ceil((input.length * 8000) / rate)
    for (let w = 0; w < 3; w++) {
      if (ours(input, rate, sizes) !== expected) throw new Error('resampler produced the wrong length')
    }
    const t = timeRuns(RUNS, () => ours(input, rate, sizes))
    const ourX = SECONDS / t.best
    let baseline = 'sox: not installed'
    if (hasSox) {
      const raw = Buffer.from(input.buffer, input.byteOffset, input.byteLength)
      const short = join(dir, `in-${rate}.raw`)
      const long = join(dir, `in-${rate}-long.raw`)
      const out = join(dir, 'out.raw')
      writeFileSync(short, raw)
      writeFileSync(long, Buffer.concat(Array.from({ length: LONG_REPEAT }, () => raw)))
      sox(short, rate, out)
      if (statSync(out).size !== expected) console.log(`note: sox wrote ${statSync(out).size} bytes, we write ${expected}`)
      const s = timeRuns(5, () => sox(short, rate, out))
      const l = timeRuns(5, () => sox(long, rate, out))
      const soxX = (SECONDS * LONG_REPEAT) / l.best
      baseline = `sox: ${x(soxX)} on ${SECONDS * LONG_REPEAT} s, ${x(SECONDS / s.best)} on ${SECONDS} s incl. start-up, ratio ${(ourX / soxX).toFixed(1)}x`
    }
    const goal = rate === 16000 ? ` goal >= ${GOAL_16K}x` : ''
    console.log(`resample${label(rate)}->8k+ulaw: ${x(ourX)} realtime (median ${x(SECONDS / t.median)}; ${baseline})${goal}`)
  }
  if (hasSox) snrAgainstSox(dir)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
