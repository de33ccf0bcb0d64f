// SSML attribute values → numbers the segments carry. Named values follow Amazon Polly's standard
// voices (what Twilio's <Say> passes through); a value that is not one of these is bad SSML, said
// with the element's place, rather than silently ignored.
import { SPEED } from '../read.js'

/** A value that is not allowed; the reader adds the element's line and column. */
export class BadValue extends Error {}

const RATES: Record<string, number> = { 'x-slow': 0.5, slow: 0.75, medium: 1, fast: 1.25, 'x-fast': 1.5 }

/** `prosody rate` as a factor on the speed; Polly allows 20%–200%, the engines 50%–200%. */
export function rate(value: string): number {
  if (value in RATES) return RATES[value]
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(value)
  if (!percent) throw new BadValue(`rate="${value}" is not x-slow, slow, medium, fast, x-fast or a percentage`)
  const factor = Number(percent[1]) / 100
  if (factor < 0.2 || factor > 2) throw new BadValue(`rate="${value}" is outside 20%–200%`)
  return factor
}

export const clampSpeed = (speed: number) => Math.min(SPEED.max, Math.max(SPEED.min, speed))

const VOLUMES: Record<string, number> = { silent: -Infinity, 'x-soft': -12, soft: -6, medium: 0, loud: 6, 'x-loud': 12 }

/** `prosody volume` as a gain in dB (`silent`: -Infinity); Polly's named steps, or ±NdB up to 20. */
export function volume(value: string): number {
  if (value in VOLUMES) return VOLUMES[value]
  const db = /^([+-]?\d+(?:\.\d+)?)dB$/.exec(value)
  if (!db || Math.abs(Number(db[1])) > 20) throw new BadValue(`volume="${value}" is not silent, x-soft … x-loud or ±NdB (up to 20)`)
  return Number(db[1])
}

const PITCHES: Record<string, number> = { 'x-low': -40, low: -20, medium: 0, high: 20, 'x-high': 40 }

/** `prosody pitch` as a change in percent: named steps, ±N% (up to 100) or `default`. */
export function pitch(value: string): number {
  if (value === 'default') return 0
  if (value in PITCHES) return PITCHES[value]
  const percent = /^([+-]\d+(?:\.\d+)?)%$/.exec(value)
  if (!percent || Math.abs(Number(percent[1])) > 100) throw new BadValue(`pitch="${value}" is not x-low … x-high or ±N%`)
  return Number(percent[1])
}

const STRENGTHS: Record<string, number> = { none: 0, 'x-weak': 100, weak: 250, medium: 400, strong: 700, 'x-strong': 1000 }
/** Polly's longest break. */
const MAX_BREAK_MS = 10_000

/** A `break` in milliseconds: `time` (Ns, Nms) wins over `strength`; a bare break is `medium`. */
export function breakMs(time: string | undefined, strength: string | undefined): number {
  if (time !== undefined) {
    const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(time)
    if (!m) throw new BadValue(`time="${time}" is not a duration such as 500ms or 2s`)
    const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1)
    if (ms > MAX_BREAK_MS) throw new BadValue(`time="${time}" is longer than ${MAX_BREAK_MS / 1000}s`)
    return Math.round(ms)
  }
  const s = strength ?? 'medium'
  if (!(s in STRENGTHS)) throw new BadValue(`strength="${s}" is not none, x-weak, weak, medium, strong or x-strong`)
  return STRENGTHS[s]
}

/** `emphasis` as what every engine can do: slower and louder, or faster and softer for `reduced`. */
export function emphasis(level: string | undefined): { speed: number; volume: number } {
  switch (level ?? 'moderate') {
    case 'strong':
      return { speed: 0.85, volume: 4 }
    case 'moderate':
      return { speed: 0.92, volume: 2 }
    case 'none':
      return { speed: 1, volume: 0 }
    case 'reduced':
      return { speed: 1.1, volume: -4 }
    default:
      throw new BadValue(`level="${level}" is not strong, moderate, none or reduced`)
  }
}
