// Streaming band-limited resampling of mono PCM16 between any two integer rates.
// Quality, for every pair: stopband >= 80 dB (designed for 85), passband flat to 0.9 × the lower
// Nyquist; aliases may land only in the 0.9–1.0 × output-Nyquist transition band.
import { HalfBandDecimator } from './halfband.js'
import { PolyphaseResampler } from './polyphase.js'

export interface Resampler {
  readonly fromRate: number
  readonly toRate: number
  /** Resamples the next chunk. Output lags input by half the filter length; flush() releases it. */
  push(chunk: Int16Array): Int16Array
  /** Ends the stream: emits the filter tail, so the stream's output totals ceil(inputLength·to/from)
   *  samples, and leaves the resampler ready for a new stream. */
  flush(): Int16Array
}

export type ResamplerKind = 'identity' | 'halfband' | 'polyphase'

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b]
  return a
}

function checkRate(name: string, rate: number): void {
  if (!Number.isInteger(rate) || rate < 1000 || rate > 384_000) {
    throw new RangeError(`${name} must be an integer sample rate in Hz (1000–384000), got ${rate}`)
  }
}

/** Which algorithm a rate pair gets (for tests and diagnostics). */
export function resamplerKind(fromRate: number, toRate: number): ResamplerKind {
  if (fromRate === toRate) return 'identity'
  if (fromRate === 2 * toRate) return 'halfband'
  return 'polyphase'
}

export function createResampler(fromRate: number, toRate: number): Resampler {
  checkRate('fromRate', fromRate)
  checkRate('toRate', toRate)
  const kind = resamplerKind(fromRate, toRate)
  if (kind === 'identity') {
    return { fromRate, toRate, push: (chunk) => chunk.slice(), flush: () => new Int16Array(0) }
  }
  let engine: { push(c: Int16Array): Int16Array; flush(): Int16Array }
  if (kind === 'halfband') {
    engine = new HalfBandDecimator()
  } else {
    const g = gcd(fromRate, toRate)
    engine = new PolyphaseResampler(toRate / g, fromRate / g)
  }
  return {
    fromRate,
    toRate,
    push: (chunk) => engine.push(chunk),
    flush: () => engine.flush(),
  }
}

/** One-shot convenience: resample a whole buffer. */
export function resample(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  const r = createResampler(fromRate, toRate)
  const head = r.push(samples)
  const tail = r.flush()
  const out = new Int16Array(head.length + tail.length)
  out.set(head)
  out.set(tail, head.length)
  return out
}
