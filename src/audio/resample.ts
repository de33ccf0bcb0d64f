// Streaming band-limited resampling of mono PCM16 between any two integer rates.
// Quality, for every pair: stopband >= 80 dB (designed for 85), passband flat to 0.9 × the lower
// Nyquist; aliases may land only in the 0.9–1.0 × output-Nyquist transition band.
import { HalfBandDecimator, halfBandPairs } from './halfband.js'
import { PolyphaseResampler, polyphaseDesign } from './polyphase.js'
import { concatSamples } from './samples.js'

export interface Resampler {
  readonly fromRate: number
  readonly toRate: number
  /** Resamples the next chunk. Output lags input by half the filter length; flush() releases it. */
  push(chunk: Int16Array): Int16Array
  /** Ends the stream: emits the filter tail, so the stream's output totals ceil(inputLength·to/from)
   *  samples, and leaves the resampler ready for a new stream. */
  flush(): Int16Array
}

interface Stage {
  readonly from: number
  readonly to: number
  /** Half-band pairs, or undefined for a polyphase stage. */
  readonly pairs?: number
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b]
  return a
}

function checkRate(name: string, rate: number): void {
  if (!Number.isInteger(rate) || rate < 1000 || rate > 384_000) {
    throw new RangeError(`${name} must be an integer sample rate in Hz (1000–384000), got ${rate}`)
  }
}

/**
 * Downsampling by more than 2 runs as a cascade whose last stage is the 2:1 half-band: half-bands
 * while the rate stays >= 4× the output, then one polyphase stage to exactly 2× the output, then
 * 2:1. Every stage passes [0, P] (P = 0.45·out) and only has to keep its own aliases out of [0, P]
 * (its stopband starts at its output rate - P): what lands above P is either removed by a later
 * stage or ends in the final transition band. Those wide transitions make the early stages tiny:
 * 22.05k→16k needs 16 taps where 22.05k→8k in one step needs 152.
 */
function plan(from: number, to: number): Stage[] {
  if (from === to) return []
  if (from < 2 * to) return [{ from, to }]
  const pass = 0.45 * to
  const stages: Stage[] = []
  let rate = from
  while (rate % 2 === 0 && rate / 2 >= 2 * to) {
    stages.push({ from: rate, to: rate / 2, pairs: halfBandPairs((rate / 2 - 2 * pass) / rate) })
    rate /= 2
  }
  if (rate !== 2 * to) stages.push({ from: rate, to: 2 * to })
  stages.push({ from: 2 * to, to, pairs: halfBandPairs((to - 2 * pass) / (2 * to)) })
  return stages
}

/** The stages a rate pair runs through, for tests and diagnostics. */
export function resamplerStages(fromRate: number, toRate: number): string[] {
  return plan(fromRate, toRate).map((s) => {
    if (s.pairs !== undefined) return `halfband ${s.from}->${s.to} (${s.pairs} pairs)`
    const g = gcd(s.from, s.to)
    const d = polyphaseDesign(s.to / g, s.from / g, passEdge(s, toRate) / s.from)
    return `polyphase ${s.from}->${s.to} (${d.up}/${d.down}, ${d.taps} taps)`
  })
}

/** Passband edge a polyphase stage must keep clean: 0.45 × the lower of its rates, or of the final
 *  output rate inside a cascade. */
function passEdge(stage: Stage, finalRate: number): number {
  return 0.45 * Math.min(stage.from, stage.to, finalRate)
}

function build(stage: Stage, finalRate: number): { push(c: Int16Array): Int16Array; flush(): Int16Array } {
  if (stage.pairs !== undefined) return new HalfBandDecimator(stage.pairs)
  const g = gcd(stage.from, stage.to)
  return new PolyphaseResampler(stage.to / g, stage.from / g, passEdge(stage, finalRate) / stage.from)
}

export function createResampler(fromRate: number, toRate: number): Resampler {
  checkRate('fromRate', fromRate)
  checkRate('toRate', toRate)
  const stages = plan(fromRate, toRate).map((s) => build(s, toRate))
  if (stages.length === 0) {
    // Same rate: hand the chunk on as it is. Callers only read it, and a copy here would
    // duplicate every cached segment on every response.
    return { fromRate, toRate, push: (chunk) => chunk, flush: () => new Int16Array(0) }
  }
  if (stages.length === 1) {
    const [only] = stages
    return { fromRate, toRate, push: (chunk) => only.push(chunk), flush: () => only.flush() }
  }
  let inCount = 0
  let outCount = 0
  return {
    fromRate,
    toRate,
    push(chunk) {
      inCount += chunk.length
      let x = chunk
      for (const s of stages) x = s.push(x)
      outCount += x.length
      return x
    },
    flush() {
      let x: Int16Array = new Int16Array(0)
      for (const s of stages) x = concatSamples([s.push(x), s.flush()])
      // Each stage rounds its length up, so the cascade can owe one sample past the end: drop it.
      const owed = Math.ceil((inCount * toRate) / fromRate) - outCount
      inCount = 0
      outCount = 0
      return x.length > owed ? x.subarray(0, Math.max(0, owed)).slice() : x
    },
  }
}

/** One-shot convenience: resample a whole buffer. */
export function resample(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  const r = createResampler(fromRate, toRate)
  return concatSamples([r.push(samples), r.flush()])
}
