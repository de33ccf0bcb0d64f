// General rational-ratio resampler: a Kaiser windowed-sinc polyphase FIR with integer phase
// stepping. Output k sits at input time k·M/L (L/M = to/from in lowest terms).
import { STOPBAND_DB, VERIFIED_DB, besselI0, kaiserBeta, kaiserLength, kaiserWindow, sinc } from './kaiser.js'
import { concatSamples } from './samples.js'
import { DOT_BLOCK, createDotKernel, type DotKernel } from './simd-dot.js'

/** Above this many phases the table would get large (odd rate pairs such as 12345→8000): keep
 *  this many and interpolate linearly between neighbouring phases. The error that adds is second
 *  order in 1/MAX_PHASES; the 12345 Hz cases in the tests hold the same 80 dB bounds. */
export const MAX_PHASES = 1024

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
const PASS_RIPPLE_DB = 0.08

/**
 * A Kaiser windowed sinc, `pass` and `stop` as fractions of the input rate. Kaiser's design puts
 * the cutoff midway between the edges with the same ripple in both bands: 85 dB down in the
 * passband too, where 0.1 dB is all that is asked. So the cutoff goes as close to the stopband as
 * the window allows (its half-transition below `stop`), and the shortest length whose measured
 * response holds both bands wins: 192 taps for the 16k→8k phone filter, where the midway design
 * needs 224. The length is in input samples per output (taps per phase).
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
  const roundUp = (n: number) => Math.ceil(n / DOT_BLOCK) * DOT_BLOCK // whole blocks of the SIMD loop
  let taps = roundUp(kaiserLength(STOPBAND_DB, stop - pass) / 2)
  let width = 0 // twice the cutoff, in cycles per input sample
  for (; ; taps += DOT_BLOCK) {
    const halfTransition = (STOPBAND_DB - 7.95) / (14.36 * (taps - 1)) / 2
    width = 2 * Math.max(pass, stop - halfTransition)
    const t = buildTable(taps, width, probe, false)
    const [low, high] = responseDb(t, taps, probe, 0, pass)
    if (low >= -PASS_RIPPLE_DB && high <= PASS_RIPPLE_DB && responseDb(t, taps, probe, stop, Math.min(probe / 2, stop + 2))[1] <= -VERIFIED_DB) break
  }
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

function toInt16(x: number): number {
  const v = (x < 0 ? x - 0.5 : x + 0.5) | 0
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v
}

/** Input taken per step: push() splits longer chunks, so a resampler's memory is fixed. */
const BLOCK = 4096

export class PolyphaseResampler {
  private readonly d: PolyphaseDesign
  private readonly kernel: DotKernel
  // Views of the kernel's memory: the coefficient table, the input samples, the jobs (a window's
  // byte address, a row's byte address) and the results.
  private readonly buf: Float32Array
  private readonly jobs: Int32Array
  private readonly out: Float32Array
  private readonly at: { table: number; buf: number; jobs: number; out: number }
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
    const maxJobs = (Math.ceil(((BLOCK + d.taps) * up) / down) + 2) * (d.interpolate ? 2 : 1)
    const table = 0
    const buf = table + 4 * d.table.length
    const jobs = buf + 4 * bufLength
    const out = jobs + 8 * maxJobs
    this.at = { table, buf, jobs, out }
    this.kernel = createDotKernel(out + 4 * maxJobs)
    const memory = this.kernel.memory.buffer
    new Float32Array(memory, table, d.table.length).set(d.table)
    this.buf = new Float32Array(memory, buf, bufLength)
    this.jobs = new Int32Array(memory, jobs, 2 * maxJobs)
    this.out = new Float32Array(memory, out, maxJobs)
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
    const out = new Int16Array(n)
    if (n === 0) return out
    const { up, down, taps, interpolate } = this.d
    const stepBytes = 4 * Math.floor(down / up)
    const stepFrac = down % up
    const { jobs, at } = this
    const rowBytes = 4 * taps
    // Interpolating: two jobs per output, the rows either side of its phase.
    const fracs = interpolate ? new Float64Array(n) : null
    let window = at.buf + 4 * this.pos // byte address of the next output's window
    let phase = this.phase
    let j = 0
    for (let q = 0; q < n; q++) {
      if (fracs) {
        const scaled = phase * MAX_PHASES
        const p = Math.floor(scaled / up)
        fracs[q] = (scaled - p * up) / up
        jobs[j++] = window
        jobs[j++] = at.table + p * rowBytes
        jobs[j++] = window
        jobs[j++] = at.table + (p + 1) * rowBytes
      } else {
        jobs[j++] = window
        jobs[j++] = at.table + phase * rowBytes
      }
      window += stepBytes
      phase += stepFrac
      if (phase >= up) {
        phase -= up
        window += 4
      }
    }
    const pos = (window - at.buf) >> 2
    this.kernel.dots(at.jobs, j >> 1, at.out, taps / DOT_BLOCK)
    const y = this.out
    if (fracs) {
      for (let q = 0; q < n; q++) out[q] = toInt16(y[2 * q] + fracs[q] * (y[2 * q + 1] - y[2 * q]))
    } else {
      for (let q = 0; q < n; q++) out[q] = toInt16(y[q])
    }
    // Drop what no later output can reach.
    this.buf.copyWithin(0, pos, this.len)
    this.len -= pos
    this.pos = 0
    this.phase = phase
    this.outCount += n
    return out
  }
}
