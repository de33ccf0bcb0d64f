// General rational-ratio resampler: a polyphase FIR (Remez or Kaiser designed, below) with integer
// phase stepping, run by the WebAssembly kernel in polyphase-kernel.ts. Output k sits at input
// time k·M/L (L/M = to/from in lowest terms).
import { STOPBAND_DB, VERIFIED_DB, besselI0, kaiserBeta, kaiserLength, kaiserWindow, sinc } from './kaiser.js'
import { concatSamples } from './samples.js'
import { remezLowpass } from './remez.js'
import { DOT_BLOCK, MAX_PHASES, createPolyphaseKernel, type PolyphaseKernel } from './polyphase-kernel.js'

export interface PolyphaseDesign {
  readonly up: number // L
  readonly down: number // M
  readonly taps: number // T, taps per phase (a multiple of DOT_BLOCK)
  readonly phases: number // rows in the table: L, or MAX_PHASES + 1 when interpolating
  readonly interpolate: boolean
  readonly table: Float64Array // phases × taps
}

const designs = new Map<string, PolyphaseDesign>()

/** How far the passband may stray from 0 dB (the requirement is ±0.1 dB). */
const PASS_RIPPLE_DB = 0.02

/** Prototypes (phases × taps) up to this long are designed by Remez exchange; longer ones (many
 *  phases: 8k→48k, 22.05k→16k) by a Kaiser window, since the exchange costs the square of the
 *  length and their wide transitions make them short per phase anyway. */
const REMEZ_MAX_LENGTH = 512

/**
 * The filter for `pass` and `stop` (fractions of the input rate): the shortest, in whole blocks of
 * the SIMD loop, whose measured response holds both bands. Taps are per phase: input samples per
 * output. The 16k→8k phone filter: 144 taps by Remez; 192 for the best Kaiser window, 224 for
 * Kaiser's textbook design (cutoff midway, 85 dB ripple in the passband as well).
 */
export function polyphaseDesign(up: number, down: number, pass: number, stop: number): PolyphaseDesign {
  const key = `${up}/${down}/${pass}/${stop}`
  const cached = designs.get(key)
  if (cached) return cached
  const rel = Math.min(1, up / down) // the lower rate over the input rate
  if (!(pass > 0 && pass < stop && stop <= rel)) throw new RangeError(`band edges ${pass}, ${stop} must rise within (0, ${rel}]`)
  const interpolate = up > MAX_PHASES
  const steps = interpolate ? MAX_PHASES : up
  // Past 64 phases the response is measured on a 64-phase table: the two differ only by images
  // 64+ cycles/sample away, far below 85 dB.
  const probe = Math.min(steps, 64)
  const roundUp = (n: number) => Math.ceil(n / DOT_BLOCK) * DOT_BLOCK
  for (let taps = roundUp(kaiserLength(STOPBAND_DB, stop - pass) / 2); ; taps += DOT_BLOCK) {
    const remez = up * taps <= REMEZ_MAX_LENGTH
    const build = (rows: number, interp: boolean) => (remez ? remezTable(taps, up, pass, stop) : kaiserTable(taps, pass, stop, rows, interp))
    const t = build(probe, false)
    const [low, high] = responseDb(t, taps, probe, 0, pass)
    if (low < -PASS_RIPPLE_DB || high > PASS_RIPPLE_DB) continue
    if (responseDb(t, taps, probe, stop, Math.min(probe / 2, stop + 2))[1] > -VERIFIED_DB) continue
    const table = remez ? t : build(steps, interpolate)
    const design = { up, down, taps, phases: table.length / taps, interpolate, table }
    designs.set(key, design)
    return design
  }
}

/** The equiripple prototype at `up` × the input rate (odd length up·taps - 1, its first tap 0), as
 *  the table of its up phases. Its ripples stand in the ratio the two bands allow. */
function remezTable(taps: number, up: number, pass: number, stop: number): Float64Array {
  const passRipple = 10 ** (PASS_RIPPLE_DB / 20) - 1
  const stopRipple = 10 ** (-VERIFIED_DB / 20)
  const h = remezLowpass((up * taps - 2) / 2, pass / up, stop / up, passRipple / stopRipple)
  const table = new Float64Array(up * taps)
  for (let p = 0; p < up; p++) {
    for (let j = 0; j < taps; j++) {
      const i = (taps - 1 - j) * up + p // index into [0, h...]: tap 0 of the prototype is the zero
      // × up: each phase carries 1/up of the prototype's gain. Not scaled to exactly 1 at DC: DC
      // sits on a ripple, and moving it there would shift the whole passband off centre.
      table[p * taps + j] = i === 0 ? 0 : up * h[i - 1]
    }
  }
  return table
}

/** Kaiser windowed sinc with its cutoff as close to `stop` as the window allows (its half
 *  transition below): the passband needs only 0.1 dB, not the window's 85 dB. */
function kaiserTable(taps: number, pass: number, stop: number, steps: number, interpolate: boolean): Float64Array {
  const halfTransition = (STOPBAND_DB - 7.95) / (14.36 * (taps - 1)) / 2
  return buildTable(taps, 2 * Math.max(pass, stop - halfTransition), steps, interpolate)
}

/** steps rows of taps coefficients (plus one more row when interpolating between phases): row p
 *  holds the kernel for an output p/steps of an input sample after the window's centre. */
function buildTable(taps: number, width: number, steps: number, interpolate: boolean): Float64Array {
  const beta = kaiserBeta(STOPBAND_DB)
  const i0b = besselI0(beta)
  const rows = interpolate ? steps + 1 : steps
  const half = taps / 2
  const table = new Float64Array(rows * taps)
  for (let p = 0; p < rows; p++) {
    for (let j = 0; j < taps; j++) {
      // Tap j of the window that starts at input n0 - half + 1 for an output at n0 + p/steps.
      const tau = half - 1 - j + p / steps
      const v = width * sinc(width * tau) * kaiserWindow(tau / half, beta, i0b)
      table[p * taps + j] = v
    }
  }
  return normalized(table, steps, taps)
}

/** Unity gain at DC on average over the phases (the extra interpolation row not counted). Not per
 *  phase: forcing each phase to exactly 1 modulates the kernel and measured 4-6 dB worse in the
 *  stopband for small L. */
function normalized(table: Float64Array, steps: number, taps: number): Float64Array {
  let sum = 0
  for (let i = 0; i < steps * taps; i++) sum += table[i]
  for (let i = 0; i < table.length; i++) table[i] *= steps / sum
  return table
}

/** The lowest and highest response (dB) over [from, to] cycles per input sample of the prototype
 *  filter the table samples. Grid: 0.002 cycles, several points on each sidelobe (~1/taps wide),
 *  and both ends. Past the stopband edge the Kaiser kernel's sidelobes only fall, so 2 cycles of
 *  it are enough. */
function responseDb(table: Float64Array, taps: number, steps: number, from: number, to: number): [number, number] {
  // The prototype at steps × the input rate: h[(taps-1-j)·steps + p] = table[p·taps + j].
  const n = taps * steps
  const h = new Float64Array(n)
  for (let p = 0; p < steps; p++) for (let j = 0; j < taps; j++) h[(taps - 1 - j) * steps + p] = table[p * taps + j]
  const points = Math.ceil((to - from) / 0.002)
  let low = Infinity
  let high = 0
  for (let k = 0; k <= points; k++) {
    const f = from + ((to - from) * k) / points
    // Rotate a unit phasor instead of calling cos/sin per tap.
    const w = (2 * Math.PI * f) / steps
    const cw = Math.cos(w)
    const sw = Math.sin(w)
    let c = 1
    let sn = 0
    let re = 0
    let im = 0
    for (let i = 0; i < n; i++) {
      re += h[i] * c
      im += h[i] * sn
      const t = c * cw - sn * sw
      sn = c * sw + sn * cw
      c = t
    }
    const gain = Math.hypot(re, im) / steps
    low = Math.min(low, gain)
    high = Math.max(high, gain)
  }
  return [20 * Math.log10(low), 20 * Math.log10(high)]
}

/** Input taken per step: push() splits longer chunks, so a resampler's memory is fixed. */
const BLOCK = 4096

export class PolyphaseResampler {
  private readonly d: PolyphaseDesign
  private readonly kernel: PolyphaseKernel
  // Views of the kernel's memory and where they start: the coefficient table, the input samples,
  // the outputs.
  private readonly buf: Float32Array
  private readonly out: Int16Array
  private readonly at: { table: number; buf: number; out: number }
  private len: number
  private pos = 0 // where the next output's window starts in buf
  private phase = 0 // next output's fractional position, in 1/L input samples
  private inCount = 0
  private outCount = 0

  /** `pass`, `stop`: the band edges as fractions of the input rate (see polyphaseDesign). */
  constructor(up: number, down: number, pass: number, stop: number) {
    const d = (this.d = polyphaseDesign(up, down, pass, stop))
    // At most taps - 1 samples stay buffered between steps, plus a step's input, plus the
    // silence flush() appends.
    const bufLength = BLOCK + 2 * d.taps
    const maxOut = Math.ceil(((BLOCK + d.taps) * up) / down) + 2
    const table = 0
    const buf = table + 4 * d.table.length
    const out = buf + 4 * bufLength
    this.at = { table, buf, out }
    this.kernel = createPolyphaseKernel(out + 2 * maxOut)
    const memory = this.kernel.memory.buffer
    new Float32Array(memory, table, d.table.length).set(d.table)
    this.buf = new Float32Array(memory, buf, bufLength)
    this.out = new Int16Array(memory, out, maxOut)
    this.len = this.lead()
  }

  /** Silence before the stream, so the first output (k = 0, input time 0) has a full window. */
  private lead(): number {
    return this.d.taps / 2 - 1
  }

  push(chunk: Int16Array): Int16Array {
    if (chunk.length <= BLOCK) return this.step(chunk)
    const parts: Int16Array[] = []
    for (let at = 0; at < chunk.length; at += BLOCK) parts.push(this.step(chunk.subarray(at, at + BLOCK)))
    return concatSamples(parts)
  }

  private step(chunk: Int16Array): Int16Array {
    this.buf.set(chunk, this.len)
    this.len += chunk.length
    this.inCount += chunk.length
    return this.drain(Infinity)
  }

  /** Emits the outputs still owed (ceil(input·L/M) in all), treating what follows as silence, and
   *  resets for a new stream. */
  flush(): Int16Array {
    const { up, down, taps } = this.d
    const total = Math.floor((this.inCount * up + down - 1) / down)
    this.buf.fill(0, this.len, this.len + taps)
    this.len += taps
    const out = this.drain(Math.max(0, total - this.outCount))
    this.buf.fill(0)
    this.len = this.lead()
    this.pos = 0
    this.phase = 0
    this.inCount = 0
    this.outCount = 0
    return out
  }

  private count(limit: number): number {
    const { up, down, taps } = this.d
    // Outputs whose window [pos, pos + taps) lies inside what is buffered.
    const room = this.len - taps - this.pos
    if (room < 0) return 0
    // Output q starts at pos + floor((phase + q·M) / L) <= pos + room.
    const n = Math.floor(((room + 1) * up - this.phase - 1) / down) + 1
    return Math.max(0, Math.min(n, limit))
  }

  private drain(limit: number): Int16Array {
    const n = this.count(limit)
    if (n === 0) return new Int16Array(0)
    const { up, down, taps, interpolate } = this.d
    const stepInt = Math.floor(down / up)
    const stepFrac = down % up
    const { at } = this
    this.kernel.run(at.out, n, at.buf + 4 * this.pos, this.phase, up, 4 * stepInt, stepFrac, at.table, 4 * taps, taps / DOT_BLOCK, interpolate ? 1 : 0)
    const out = this.out.slice(0, n)
    // Where the kernel stopped: n steps of M/L input samples on.
    const frac = this.phase + n * stepFrac
    const pos = this.pos + n * stepInt + Math.floor(frac / up)
    // Drop what no later output can reach.
    this.buf.copyWithin(0, pos, this.len)
    this.len -= pos
    this.pos = 0
    this.phase = frac % up
    this.outCount += n
    return out
  }
}
