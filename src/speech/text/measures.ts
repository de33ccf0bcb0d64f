// Quantities: ranges, percentages, temperatures, a few units and simple fractions.

import { cardinal, ordinal, readNumber } from './numbers.js'
import { needs } from './needs.js'

const NUM = String.raw`(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?`

// "2-3 days", "10–20%", "$10-$20" → "to". Only an unspaced hyphen or an en dash: "5 - 3" may be a
// subtraction, and "COVID-19" or "A4-5" are names (a letter before the number rules them out).
const RANGE_SIDE = String.raw`[$£€]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?`
const RANGE = needs(['-', '–'], new RegExp(String.raw`(?<![\w.,\/-])(${RANGE_SIDE})(?:-|\s?–\s?)(?=${RANGE_SIDE}(?![\w\/-]|[.,:]\d))`, 'g'))
const ABOUT = needs(['~', '≈'], /[~≈](?=\s?[$£€]?\d)/g)
const AT_MOST = needs(['<=', '≤'], /(?:<=|≤)(?=\s?[$£€-]?\d)/g)
const AT_LEAST = needs(['>=', '≥'], /(?:>=|≥)(?=\s?[$£€-]?\d)/g)
const LESS = needs('<', /<(?=\s?[$£€-]?\d)/g)
const MORE = needs('>', />(?=\s?[$£€-]?\d)/g)

/**
 * Ranges and bounds ("~5", "<10", "≥ 3"), before money and percentages so each side of "$10-$20" or
 * "10-20%" is read on its own and "~5 kg" does not leave a "~" beside words.
 */
export function readRangesAndBounds(text: string, digits: boolean): string {
  if (!digits) return text
  return text
    .replace(RATE, (_m, per: string) => ` ${PER.get(per)}`)
    .replace(RANGE, '$1 to ')
    .replace(ABOUT, ' about ')
    .replace(AT_MOST, ' at most ')
    .replace(AT_LEAST, ' at least ')
    .replace(LESS, ' less than ')
    .replace(MORE, ' more than ')
}

// Each starts only at the start of a number, so a long digit run is not rescanned from every digit.
const PERCENT = needs('%', new RegExp(String.raw`(?<![\d.,])(-)?${NUM}\s?%`, 'g'))
const TEMPERATURE = needs(['°', '℃', '℉'], new RegExp(String.raw`(?<![\d.,])(-)?${NUM}\s?(?:°\s?([CF])\b|([℃℉])|°)`, 'g'))

const UNITS: Record<string, [string, string]> = {
  km: ['kilometer', 'kilometers'], 'km/h': ['kilometer per hour', 'kilometers per hour'], kph: ['kilometer per hour', 'kilometers per hour'],
  mph: ['mile per hour', 'miles per hour'], mi: ['mile', 'miles'], kg: ['kilogram', 'kilograms'], g: ['gram', 'grams'],
  lb: ['pound', 'pounds'], lbs: ['pound', 'pounds'], oz: ['ounce', 'ounces'], cm: ['centimeter', 'centimeters'],
  mm: ['millimeter', 'millimeters'], ml: ['milliliter', 'milliliters'], mL: ['milliliter', 'milliliters'],
  min: ['minute', 'minutes'], mins: ['minute', 'minutes'], hr: ['hour', 'hours'], hrs: ['hour', 'hours'],
  sec: ['second', 'seconds'], secs: ['second', 'seconds'], ms: ['millisecond', 'milliseconds'],
  tbsp: ['tablespoon', 'tablespoons'], Tbsp: ['tablespoon', 'tablespoons'], tsp: ['teaspoon', 'teaspoons'],
  KB: ['kilobyte', 'kilobytes'], MB: ['megabyte', 'megabytes'], GB: ['gigabyte', 'gigabytes'], TB: ['terabyte', 'terabytes'],
}
const UNIT_NAMES = String.raw`km\/h|${Object.keys(UNITS).filter((u) => u !== 'km/h').join('|')}`
const UNIT = needs(new RegExp(String.raw`\d\s?(?:${UNIT_NAMES})`), new RegExp(String.raw`(?<![\w.,\/])(-)?${NUM}\s?(${UNIT_NAMES})(?![\w\/])`, 'g'))

const FRACTION_DENOMINATORS: Record<string, [string, string]> = {
  '2': ['half', 'halves'], '4': ['quarter', 'quarters'],
}
const FRACTION = needs('/', /(?<![\w.,\/])(\d{1,2})\/(\d{1,2})(?![\w\/]|[.,]\d)/g)
const VULGAR: Record<string, string> = { '½': 'one half', '¼': 'one quarter', '¾': 'three quarters', '⅓': 'one third', '⅔': 'two thirds' }

/** "1/2" → "one half"; in a mixed number ("3 1/2") the "one" is "a": "three and a half". */
function fraction(num: string, den: string, mixed = false): string | undefined {
  const n = Number(num)
  const d = Number(den)
  if (num === '24' && den === '7') return 'twenty-four seven'
  if (d < 2 || d > 16 || n < 1 || n >= d) return undefined
  const [one, many] = FRACTION_DENOMINATORS[den] ?? [ordinal(den), ordinal(den) + 's']
  return `${n === 1 && mixed ? 'a' : cardinal(num)} ${n === 1 ? one : many}`
}

// "3 1/2 tbsp" → "three and a half tablespoons" (a unit after a mixed number is plural).
const MIXED = needs('/', new RegExp(String.raw`(?<![\w.,\/])(\d+) (\d{1,2})\/(\d{1,2})(?:\s?(${Object.keys(UNITS).filter((u) => u !== 'km/h').join('|')})\b)?(?![\w\/]|[.,]\d)`, 'g'))

function mixedNumber(m: string, whole: string, num: string, den: string, u?: string): string {
  const part = fraction(num, den, true)
  if (!part || num === '24') return m
  return `${cardinal(whole)} and ${part}${u ? ` ${UNITS[u][1]}` : ''}`
}

// "$25/month", "7 days/week", "3 times/day": a rate after a number reads "a month", "a week".
const PER = new Map([
  ['month', 'a month'], ['mo', 'a month'], ['week', 'a week'], ['wk', 'a week'], ['day', 'a day'], ['night', 'a night'],
  ['year', 'a year'], ['yr', 'a year'], ['hour', 'an hour'], ['hr', 'an hour'], ['minute', 'a minute'],
  ['person', 'per person'], ['user', 'per user'], ['seat', 'per seat'],
])
const RATE = needs('/', new RegExp(String.raw`(?<=\d[\d,.]*%?[kKmM]?(?:\s\p{L}+)?)\s?\/\s?(${[...PER.keys()].join('|')})(?!\p{L})`, 'gu'))

function signed(neg: string | undefined, int: string, frac?: string): string {
  return (neg ? 'minus ' : '') + readNumber(int, frac)
}

function readQuantities(text: string): string {
  return text
    .replace(MIXED, mixedNumber)
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
}

const VULGAR_FRACTION = needs(Object.keys(VULGAR), /(?<!\d)(\d*)([½¼¾⅓⅔])/g)

/** Every quantity written with digits, then the fraction signs ("½"), which need none. */
export function readMeasures(text: string, digits: boolean): string {
  return (digits ? readQuantities(text) : text).replace(VULGAR_FRACTION, (_m, whole: string, v: string) =>
    whole ? `${cardinal(whole)} and ${VULGAR[v].replace(/^one /, 'a ')}` : VULGAR[v],
  )
}
