// General rational-ratio resampler: a Kaiser windowed-sinc polyphase FIR with integer phase
// stepping. Output k sits at input time k·M/L (L/M = to/from in lowest terms).
import { STOPBAND_DB, VERIFIED_DB, besselI0, kaiserBeta, kaiserLength, kaiserWindow, sinc } from './kaiser.js'

/** Above this many phases the table would get large (odd rate pairs such as 12345→8000): keep
 *  this many and interpolate linearly between neighbouring phases. The error that adds is second
 *  order in 1/MAX_PHASES; the 12345 Hz cases in the tests hold the same 80 dB bounds. */
export const MAX_PHASES = 1024

export interface PolyphaseDesign {
  readonly up: number // L
  readonly down: number // M
  readonly taps: number // T, taps per phase (a multiple of 4)
  readonly phases: number // rows in the table: L, or MAX_PHASES + 1 when interpolating
  readonly interpolate: boolean
  readonly table: Float64Array // phases × taps
}

const designs = new Map<string, PolyphaseDesign>()

/**
 * A Kaiser windowed sinc with its cutoff midway between `pass` and `stop` (both as fractions of the
 * input rate): its ripple, 85 dB down, is the same in both bands, so the passband is flat to far
 * better than 0.1 dB. The length follows the transition stop - pass, in input samples per output.
 */
export function polyphaseDesign(up: number, down: number, pass: number, stop: number): PolyphaseDesign {
  const key = `${up}/${down}/${pass}/${stop}`
  const cached = designs.get(key)
  if (cached) return cached
  const rel = Math.min(1, up / down) // the lower rate over the input rate
  if (!(pass > 0 && pass < stop && stop <= rel)) throw new RangeError(`band edges ${pass}, ${stop} must rise within (0, ${rel}]`)
  const width = pass + stop // twice the cutoff, in cycles per input sample
  let taps = kaiserLength(STOPBAND_DB, stop - pass)
  taps += (4 - (taps % 4)) % 4 // a multiple of 4 for the 4-accumulator loop
  const interpolate = up > MAX_PHASES
  const steps = interpolate ? MAX_PHASES : up
  // Long designs meet Kaiser's estimate (measured 84.5 dB at 76 and 152 taps); short ones can
  // fall 7 dB short, so they are measured and lengthened. Past 64 phases the response is measured
  // on a 64-phase table: the two differ only by images 64+ cycles/sample away, far below 85 dB.
  const probe = Math.min(steps, 64)
  while (taps <= 64 && stopbandDb(buildTable(taps, width, probe, false), taps, probe, stop) > -VERIFIED_DB) taps += 4
  const table = buildTable(taps, width, steps, interpolate)
  const design = { up, down, taps, phases: table.length / taps, interpolate, table }
  designs.set(key, design)
  return design
}

/** steps rows of taps coefficients (plus one more row when interpolating between phases): row p
 *  holds the kernel for an output p/steps of an input sample after the window's centre. */
function buildTable(taps: number, width: number, steps: number, interpolate: boolean): Float64Array {
  const beta = kaiserBeta(STOPBAND_DB)
  const i0b = besselI0(beta)
  const rows = interpolate ? steps + 1 : steps
  const half = taps / 2
  const table = new Float64Array(rows * taps)
  let sum = 0
  for (let p = 0; p < rows; p++) {
    for (let j = 0; j < taps; j++) {
      // Tap j of the window that starts at input n0 - half + 1 for an output at n0 + p/steps.
      const tau = half - 1 - j + p / steps
      const v = width * sinc(width * tau) * kaiserWindow(tau / half, beta, i0b)
      table[p * taps + j] = v
      if (p < steps) sum += v
    }
  }
  // Unity gain at DC on average over the phases. Not per phase: forcing each phase to exactly 1
  // modulates the kernel and measured 4-6 dB worse in the stopband for small L.
  for (let i = 0; i < table.length; i++) table[i] *= steps / sum
  return table
}

/** Peak response (dB) of the prototype filter the table samples, over its stopband: from `stop`
 *  up to where the structure repeats (steps/2) or 2 cycles/input sample past the edge (the Kaiser
 *  kernel's sidelobes only fall further out). A sidelobe is ~1/taps wide: the grid puts several
 *  points on each. */
function stopbandDb(table: Float64Array, taps: number, steps: number, stop: number): number {
  // The prototype at steps × the input rate: h[(taps-1-j)·steps + p] = table[p·taps + j].
  const n = taps * steps
  const h = new Float64Array(n)
  for (let p = 0; p < steps; p++) for (let j = 0; j < taps; j++) h[(taps - 1 - j) * steps + p] = table[p * taps + j]
  const end = Math.min(steps / 2, stop + 2)
  let peak = 0
  for (let f = stop; f <= end; f += 0.002) {
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
    peak = Math.max(peak, Math.hypot(re, im) / steps)
  }
  return 20 * Math.log10(peak)
}

function dot(buf: Float64Array, at: number, table: Float64Array, row: number, taps: number): number {
  let a0 = 0
  let a1 = 0
  let a2 = 0
  let a3 = 0
  for (let j = 0; j < taps; j += 4) {
    a0 += buf[at + j] * table[row + j]
    a1 += buf[at + j + 1] * table[row + j + 1]
    a2 += buf[at + j + 2] * table[row + j + 2]
    a3 += buf[at + j + 3] * table[row + j + 3]
  }
  return a0 + a1 + (a2 + a3)
}

function toInt16(x: number): number {
  const v = (x < 0 ? x - 0.5 : x + 0.5) | 0
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v
}

export class PolyphaseResampler {
  private readonly d: PolyphaseDesign
  private buf: Float64Array
  private len: number
  private pos = 0 // where the next output's window starts in buf
  private phase = 0 // next output's fractional position, in 1/L input samples
  private inCount = 0
  private outCount = 0

  /** `pass`, `stop`: the band edges as fractions of the input rate (see polyphaseDesign). */
  constructor(up: number, down: number, pass: number, stop: number) {
    this.d = polyphaseDesign(up, down, pass, stop)
    this.buf = new Float64Array(4096 + 2 * this.d.taps)
    this.len = this.lead()
  }

  /** Silence before the stream, so the first output (k = 0, input time 0) has a full window. */
  private lead(): number {
    return this.d.taps / 2 - 1
  }

  push(chunk: Int16Array): Int16Array {
    const need = this.len + chunk.length + this.d.taps
    if (need > this.buf.length) {
      const grown = new Float64Array(Math.max(need, this.buf.length * 2))
      grown.set(this.buf.subarray(0, this.len))
      this.buf = grown
    }
    const buf = this.buf
    let w = this.len
    for (let i = 0; i < chunk.length; i++) buf[w++] = chunk[i]
    this.len = w
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
    const out = new Int16Array(n)
    const { up, down, taps, table, interpolate } = this.d
    const stepInt = Math.floor(down / up)
    const stepFrac = down % up
    const buf = this.buf
    let pos = this.pos
    let phase = this.phase
    for (let q = 0; q < n; q++) {
      let y: number
      if (interpolate) {
        const scaled = phase * MAX_PHASES
        const p = Math.floor(scaled / up)
        const frac = (scaled - p * up) / up
        const y0 = dot(buf, pos, table, p * taps, taps)
        const y1 = dot(buf, pos, table, (p + 1) * taps, taps)
        y = y0 + frac * (y1 - y0)
      } else {
        y = dot(buf, pos, table, phase * taps, taps)
      }
      out[q] = toInt16(y)
      pos += stepInt
      phase += stepFrac
      if (phase >= up) {
        phase -= up
        pos++
      }
    }
    // Drop what no later output can reach.
    buf.copyWithin(0, pos, this.len)
    this.len -= pos
    this.pos = 0
    this.phase = phase
    this.outCount += n
    return out
  }
}
