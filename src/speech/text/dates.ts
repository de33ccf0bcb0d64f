// Dates and years. Every date comes out in one form, "October seventh, twenty twenty-four", so
// "2024-10-07", "Oct 7, 2024" and "October 7th, 2024" all sound the same. A bare four-digit number
// is read as a year only where the words around it say it is one.

import { cardinal, ordinal, pluralWords, year } from './numbers.js'
import { needs } from './needs.js'

export const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
]
// Capitalized only: "may 5" is more often the verb than the month.
const MONTH = String.raw`(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)`
const FULL_MONTH = `(${MONTHS.join('|')})`

function monthIndex(name: string): number {
  return MONTHS.findIndex((m) => m.startsWith(name.slice(0, 3)))
}

function daysIn(month: number, y?: number): number {
  if (month === 1) return y === undefined || (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 29 : 28
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month]
}

/** month is 0-based; undefined when the day does not exist in that month. */
function speakDate(month: number, day: number, y?: string): string | undefined {
  if (month < 0 || month > 11 || day < 1 || day > daysIn(month, y === undefined ? undefined : Number(y))) return undefined
  const md = `${MONTHS[month]} ${ordinal(String(day))}`
  return y === undefined ? md : `${md}, ${year(y)}`
}

// Not glued to other digits or separators, so parts of longer codes are left alone.
const ISO = needs(/\d{4}[-\/.]\d\d?[-\/.]\d/, /(?<![\w.\/-])(\d{4})([-\/.])(\d{1,2})\2(\d{1,2})(?![\w]|[-\/.]\d)/g)
// 10/07/2024 is read month first (a US phone service); a first number over 12 can only be a day.
// With dots (07.10.2024) the day comes first, as in most of Europe.
const NUMERIC = needs(/\d[-\/.]\d\d?[-\/.]\d{4}/, /(?<![\w.\/-])(\d{1,2})([-\/.])(\d{1,2})\2(\d{4})(?![\w]|[-\/.]\d)/g)
// How every month name the patterns below take begins, and the name with the rest of its letters.
const MONTH_START = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
const NAME = `${MONTH_START}[a-z]*`
const MONTH_DAY = needs(new RegExp(String.raw`${NAME}\.? \d`), new RegExp(
  String.raw`\b${MONTH}\.? (\d{1,2})(?:st|nd|rd|th)?\b(?:,? (\d{4})\b)?(?![.:,]\d)`,
  'g',
))
// "7 October 2024", "7th of Oct": the day-first order needs a full month name, a year, an ordinal
// suffix or "of" before it counts as a date, so "3 Mar" in a list is not.
const DAY_MONTH = needs(new RegExp(String.raw`\d(?:st|nd|rd|th)?(?: of)? ${MONTH_START}`), new RegExp(
  String.raw`(?<![\w.,])(\d{1,2})(st|nd|rd|th)?( of)? ${MONTH}\b\.?(?:,? (\d{4})\b)?(?![.:,]\d)`,
  'g',
))
const MONTH_YEAR = needs(new RegExp(String.raw`${NAME},? \d`), new RegExp(String.raw`\b${FULL_MONTH},? (\d{4})\b(?![.:,]\d)`, 'g'))
// 1990s, 1990's, '90s, 90s.
const DECADE = needs(/0'?s/, /(?<![\w.,])(?:(\d\d\d0)|'?([1-9]0))'?s\b/g)
// Words after which a four-digit number is a year ("in 1999", "since 2005").
const YEAR_CONTEXT = needs(
  /[12]\d{3}/,
  /\b(in|since|until|till|through|by|from|during|year|circa|before|after|of|around|born|early|late|mid|spring|summer|fall|autumn|winter|copyright)( |-)([12]\d{3})(?![\w]|[.,]\d|\s?%)/gi,
)
// "6/14", "12/31": a US month/day. Written without a year it is also a fraction's shape, so it is
// a date after a word that introduces one ("on 6/14", "due 3/4"), or when the day could not be
// a common denominator (13 to 31, but 16); "3/4" alone stays three quarters.
const MONTH_SLASH_DAY = needs('/', /(?<![\w.,\/-])(\d{1,2})\/(\d{1,2})(?:\/(\d{2}))?(?![\w\/]|[-.,:]\d)/g)
const DATE_LEAD = /\b(?:on|by|due|until|till|thru|through|from|before|after|since|starting|ending|expires?|dated|effective|every|each|to)\s+$/i

/** "24" → "2024", "87" → "1987": two-digit years as a US form means them. */
function fullYear(yy: string): string {
  return `${Number(yy) < 50 ? '20' : '19'}${yy}`
}

function monthSlashDay(m: string, mo: string, d: string, yy: string | undefined, offset: number, all: string): string {
  const month = Number(mo)
  const day = Number(d)
  const likely = yy !== undefined || DATE_LEAD.test(all.slice(Math.max(0, offset - 12), offset)) || (day >= 13 && day !== 16)
  return (likely && speakDate(month - 1, day, yy === undefined ? undefined : fullYear(yy))) || m
}

// A year standing alone: the whole line ("1990", "1990.") or in brackets after a title ("(1942)").
const LONE_YEAR = needs(/(?:^|[\n\r\u2028\u2029(])(?:1[1-9]|20)\d\d/, /^(1[1-9]\d\d|20\d\d)(?=[.!?]?$)|(?<=\()(1[1-9]\d\d|20\d\d)(?=\))/gm)

const COPYRIGHT = needs('©', /©\s?/g)

// "1999-2005", "1999–2005": two years in order.
const YEAR_RANGE = needs(/[-–] ?(?:1[5-9]|20)\d\d/, /(?<![\w.,\/-])(1[5-9]\d\d|20\d\d) ?[-–] ?(1[5-9]\d\d|20\d\d)(?![\w]|[.,\/-]\d)/g)

export function readDates(text: string, digits: boolean): string {
  // Only the copyright sign is read without a digit.
  if (!digits) return text.replace(COPYRIGHT, 'copyright ')
  return text
    // A date-shaped code that is no date ("2024-02-30") is read as its three numbers.
    .replace(ISO, (_m, y: string, _s, mo: string, d: string) => speakDate(Number(mo) - 1, Number(d), y) ?? `${y}, ${mo}, ${d}`)
    .replace(NUMERIC, (_m, a: string, sep: string, b: string, y: string) => {
      let [month, day] = sep === '.' ? [Number(b), Number(a)] : [Number(a), Number(b)]
      if (month > 12) [month, day] = [day, month]
      return speakDate(month - 1, day, y) ?? `${a}, ${b}, ${y}`
    })
    .replace(MONTH_SLASH_DAY, monthSlashDay)
    .replace(MONTH_DAY, (m, mo: string, d: string, y?: string) => speakDate(monthIndex(mo), Number(d), y) ?? m)
    .replace(DAY_MONTH, (m, d: string, suffix?: string, of?: string, mo?: string, y?: string) => {
      const isDate = suffix || of || y || MONTHS.includes(mo ?? '')
      const spoken = isDate ? speakDate(monthIndex(mo ?? ''), Number(d), y) : undefined
      // Keep the speaker's order: "the 7th of October" → "the seventh of October".
      if (!spoken || !of) return spoken ?? m
      return `${ordinal(String(Number(d)))} of ${MONTHS[monthIndex(mo ?? '')]}${y ? `, ${year(y)}` : ''}`
    })
    .replace(MONTH_YEAR, (_m, mo: string, y: string) => `${mo} ${year(y)}`)
    .replace(YEAR_RANGE, (m, a: string, b: string) => (Number(b) > Number(a) ? `${year(a)} to ${year(b)}` : m))
    .replace(COPYRIGHT, 'copyright ')
    .replace(YEAR_CONTEXT, (_m, word: string, sep: string, y: string) => `${word}${sep}${year(y)}`)
    .replace(LONE_YEAR, (_m, alone?: string, bracketed?: string) => year(alone ?? bracketed ?? ''))
    .replace(DECADE, (_m, four?: string, two?: string) =>
      pluralWords(four ? year(four) : cardinal(two ?? '')),
    )
}
