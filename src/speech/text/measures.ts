// Quantities: ranges, percentages, temperatures, a few units and simple fractions.

import { cardinal, ordinal, readNumber } from './numbers.js'

const NUM = String.raw`(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?`

// "2-3 days", "10–20%", "$10-$20" → "to". Only an unspaced hyphen or an en dash: "5 - 3" may be a
// subtraction, and "COVID-19" or "A4-5" are names (a letter before the number rules them out).
const RANGE_SIDE = String.raw`[$£€]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?`
const RANGE = new RegExp(String.raw`(?<![\w.,\/-])(${RANGE_SIDE})(?:-|\s?–\s?)(?=${RANGE_SIDE}(?![\w\/-]|[.,:]\d))`, 'g')

/**
 * Ranges and bounds ("~5", "<10", "≥ 3"), before money and percentages so each side of "$10-$20" or
 * "10-20%" is read on its own and "~5 kg" does not leave a "~" beside words.
 */
export function readRangesAndBounds(text: string): string {
  return text
    .replace(RANGE, '$1 to ')
    .replace(/[~≈](?=\s?[$£€]?\d)/g, ' about ')
    .replace(/(?:<=|≤)(?=\s?[$£€-]?\d)/g, ' at most ')
    .replace(/(?:>=|≥)(?=\s?[$£€-]?\d)/g, ' at least ')
    .replace(/<(?=\s?[$£€-]?\d)/g, ' less than ')
    .replace(/>(?=\s?[$£€-]?\d)/g, ' more than ')
}

// Each starts only at the start of a number, so a long digit run is not rescanned from every digit.
const PERCENT = new RegExp(String.raw`(?<![\d.,])(-)?${NUM}\s?%`, 'g')
const TEMPERATURE = new RegExp(String.raw`(?<![\d.,])(-)?${NUM}\s?(?:°\s?([CF])\b|([℃℉])|°)`, 'g')

const UNITS: Record<string, [string, string]> = {
  km: ['kilometer', 'kilometers'], 'km/h': ['kilometer per hour', 'kilometers per hour'], kph: ['kilometer per hour', 'kilometers per hour'],
  mph: ['mile per hour', 'miles per hour'], mi: ['mile', 'miles'], kg: ['kilogram', 'kilograms'], g: ['gram', 'grams'],
  lb: ['pound', 'pounds'], lbs: ['pound', 'pounds'], oz: ['ounce', 'ounces'], cm: ['centimeter', 'centimeters'],
  mm: ['millimeter', 'millimeters'], ml: ['milliliter', 'milliliters'], mL: ['milliliter', 'milliliters'],
  min: ['minute', 'minutes'], mins: ['minute', 'minutes'], hr: ['hour', 'hours'], hrs: ['hour', 'hours'],
  sec: ['second', 'seconds'], secs: ['second', 'seconds'], ms: ['millisecond', 'milliseconds'],
  KB: ['kilobyte', 'kilobytes'], MB: ['megabyte', 'megabytes'], GB: ['gigabyte', 'gigabytes'], TB: ['terabyte', 'terabytes'],
}
const UNIT = new RegExp(String.raw`(?<![\w.,])(-)?${NUM}\s?(km\/h|${Object.keys(UNITS).filter((u) => u !== 'km/h').join('|')})(?![\w\/])`, 'g')

const FRACTION_DENOMINATORS: Record<string, [string, string]> = {
  '2': ['half', 'halves'], '4': ['quarter', 'quarters'],
}
const FRACTION = /(?<![\w.,\/])(\d{1,2})\/(\d{1,2})(?![\w\/]|[.,]\d)/g
const VULGAR: Record<string, string> = { '½': 'one half', '¼': 'one quarter', '¾': 'three quarters', '⅓': 'one third', '⅔': 'two thirds' }

function fraction(num: string, den: string): string | undefined {
  const n = Number(num)
  const d = Number(den)
  if (num === '24' && den === '7') return 'twenty-four seven'
  if (d < 2 || d > 16 || n < 1 || n >= d) return undefined
  const [one, many] = FRACTION_DENOMINATORS[den] ?? [ordinal(den), ordinal(den) + 's']
  return `${cardinal(num)} ${n === 1 ? one : many}`
}

function signed(neg: string | undefined, int: string, frac?: string): string {
  return (neg ? 'minus ' : '') + readNumber(int, frac)
}

export function readMeasures(text: string): string {
  return text
    .replace(PERCENT, (_m, neg?: string, int?: string, frac?: string) => `${signed(neg, int ?? '', frac)} percent`)
    .replace(TEMPERATURE, (_m, neg?: string, int?: string, frac?: string, scale?: string, sign?: string) => {
      const value = signed(neg, int ?? '', frac)
      const degrees = value === 'one' ? 'degree' : 'degrees'
      const which = scale ?? (sign === '℃' ? 'C' : sign === '℉' ? 'F' : '')
      return `${value} ${degrees}${which === 'C' ? ' Celsius' : which === 'F' ? ' Fahrenheit' : ''}`
    })
    .replace(UNIT, (_m, neg?: string, int?: string, frac?: string, u?: string) => {
      const value = signed(neg, int ?? '', frac)
      const [one, many] = UNITS[u ?? ''] ?? ['', '']
      return `${value} ${value === 'one' ? one : many}`
    })
    .replace(FRACTION, (m, a: string, b: string) => fraction(a, b) ?? m)
    .replace(/(?<!\d)(\d*)([½¼¾⅓⅔])/g, (_m, whole: string, v: string) =>
      whole ? `${cardinal(whole)} and ${VULGAR[v].replace(/^one /, 'a ')}` : VULGAR[v],
    )
}
