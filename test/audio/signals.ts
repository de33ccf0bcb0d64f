// Test signals and measurements for the audio tests: tones, chirps, seeded noise, and a
// single-bin DFT (exact for integer-Hz tones over a whole number of seconds).

/** Deterministic PRNG (mulberry32), so a failing case can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function noise(n: number, seed: number, amplitude = 32768): Int16Array {
  const r = rng(seed)
  const x = new Int16Array(n)
  for (let i = 0; i < n; i++) x[i] = Math.max(-32768, Math.min(32767, Math.round((r() * 2 - 1) * amplitude)))
  return x
}

/** Sum of sines (Hz) at the given amplitudes, rounded to Int16. */
export function tones(n: number, rate: number, freqs: number[], amplitude: number): Int16Array {
  const x = new Int16Array(n)
  for (let i = 0; i < n; i++) {
    let v = 0
    for (const f of freqs) v += Math.sin((2 * Math.PI * f * i) / rate)
    x[i] = Math.round(amplitude * v)
  }
  return x
}

/** Linear chirp f0→f1 with raised-cosine fades, so its spectrum stays inside [f0, f1]. */
export function chirp(seconds: number, rate: number, f0: number, f1: number, amplitude: number, fade = 0.2): Int16Array {
  const n = Math.round(seconds * rate)
  const x = new Int16Array(n)
  const k = (f1 - f0) / seconds
  const fadeN = fade * rate
  for (let i = 0; i < n; i++) {
    const t = i / rate
    const edge = Math.min(i, n - 1 - i)
    const g = edge < fadeN ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / fadeN) : 1
    x[i] = Math.round(amplitude * g * Math.sin(2 * Math.PI * (f0 * t + 0.5 * k * t * t)))
  }
  return x
}

/** Amplitude of the component at f Hz in x[start, start+n), by a single-bin DFT. */
export function amplitudeAt(x: ArrayLike<number>, rate: number, f: number, start: number, n: number): number {
  let re = 0
  let im = 0
  const w = (2 * Math.PI * f) / rate
  for (let i = 0; i < n; i++) {
    const v = x[start + i]
    re += v * Math.cos(w * i)
    im += v * Math.sin(w * i)
  }
  return (2 * Math.hypot(re, im)) / n
}

export function rms(x: ArrayLike<number>, start = 0, end = x.length): number {
  let s = 0
  for (let i = start; i < end; i++) s += x[i] * x[i]
  return Math.sqrt(s / Math.max(1, end - start))
}

export const dB = (ratio: number): number => 20 * Math.log10(ratio)

/** Where a component at F Hz lands after sampling at `rate` (0 … rate/2). */
export function fold(F: number, rate: number): number {
  const m = ((F % rate) + rate) % rate
  return m > rate / 2 ? rate - m : m
}

export { concatSamples as concat } from '../../src/audio/samples.js'

/**
 * SNR in dB of `got` against `ref`, sample by sample over `length` samples (by default the shorter
 * of the two; past the end of either, it counts as silence). Infinity when identical.
 */
export function snrDb(ref: ArrayLike<number>, got: ArrayLike<number>, length = Math.min(ref.length, got.length)): number {
  let signal = 0
  let noise = 0
  for (let i = 0; i < length; i++) {
    const x = ref[i] ?? 0
    signal += x * x
    noise += (x - (got[i] ?? 0)) ** 2
  }
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise)
}
