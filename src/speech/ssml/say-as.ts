// `say-as`: the element's text read as the author says it is, in the voice's language. English is
// written out in words here (the English passes would guess otherwise: five digits are a ZIP code);
// the six other ruled languages get the digits and words eSpeak NG reads right in that language,
// as their reading rules give it (text/lang/words.ts). Forms the normal reading already reads
// right (units, fractions, addresses) go to it.
import { cardinal, digitByDigit, ordinal, readNumber, year } from '../text/numbers.js'
import { MONTHS } from '../text/dates.js'
import { WORDS, type Code } from '../text/lang/words.js'
import { isRuledLanguage } from '../text/lang/passes.js'
import { BadValue } from './values.js'

/** What a say-as becomes: words already read, text for the normal reading, or a bleep. */
export type SaidAs = { words: string } | { text: string } | { bleepMs: number }

const DATE_FORMATS = ['mdy', 'dmy', 'ymd', 'md', 'dm', 'ym', 'my', 'd', 'm', 'y']
/** A bleep lasts about as long as the word would (Polly bleeps the whole word). */
const BLEEP_MS_PER_CHAR = 80

export function sayAs(content: string, interpretAs: string | undefined, format: string | undefined, language: string): SaidAs {
  const text = content.trim()
  const code = language.split(/[-_]/)[0].toLowerCase()
  const english = code === 'en'
  const ruled = isRuledLanguage(code) ? code : undefined
  switch (interpretAs) {
    case 'characters':
    case 'spell-out':
      return { words: english ? spell(text) : Array.from(text.replace(/\s+/g, '')).join(' ') }
    case 'cardinal':
    case 'number':
      return number(text, english)
    case 'ordinal': {
      const digits = text.replace(/[^\d]/g, '')
      if (!digits) return { text }
      if (english) return { words: ordinal(digits) }
      const word = ruled && WORDS[ruled].ordinals?.[Number(digits)]
      return { words: word || (ruled === 'de' || ruled === 'nl' ? `${digits}.` : digits) }
    }
    case 'digits':
    case 'telephone':
      return { words: groups(text).map((g) => (english ? digitByDigit(g) : Array.from(g).join(' '))).join(', ') }
    case 'date': {
      const words = date(text, format ?? 'ymd', english, ruled)
      return words === undefined ? { text } : { words }
    }
    case 'time': {
      // Polly's durations: 1'21" is one minute twenty-one seconds.
      const m = /^(?:(\d+)')?\s*(?:(\d+)")?$/.exec(text)
      if (!english || !m || (!m[1] && !m[2])) return { text }
      const part = (n: string | undefined, unit: string) => (n ? `${cardinal(n)} ${unit}${n === '1' ? '' : 's'}` : '')
      return { words: [part(m[1], 'minute'), part(m[2], 'second')].filter(Boolean).join(' ') }
    }
    case 'fraction':
      return english ? fraction(text) : { text }
    case 'unit':
    case 'address':
      return { text }
    case 'expletive':
      return { bleepMs: Math.max(300, Array.from(text).length * BLEEP_MS_PER_CHAR) }
    default:
      throw new BadValue(`interpret-as="${interpretAs ?? ''}" is not one of characters, spell-out, cardinal, number, ordinal, digits, fraction, unit, date, time, telephone, address, expletive`)
  }
}

/** Letters one by one, digits as words: "W3C" → "W three C". */
const spell = (text: string) => Array.from(text.replace(/[^\p{L}\p{N}]+/gu, ''), (c) => (/\d/.test(c) ? digitByDigit(c) : c.toUpperCase())).join(' ')

const DENOMINATORS: Record<string, [string, string]> = { '2': ['half', 'halves'], '4': ['quarter', 'quarters'] }

/** "3/4" → "three quarters", "2 1/2" → "two and one half"; English only (a slash is a date otherwise). */
function fraction(text: string): SaidAs {
  const m = /^(?:(\d+)\s+)?(\d+)\/(\d+)$/.exec(text)
  if (!m) return { text }
  const [, whole, top, bottom] = m
  const [one, many] = DENOMINATORS[bottom] ?? [ordinal(bottom), `${ordinal(bottom)}s`]
  const part = `${cardinal(top)} ${top === '1' ? one : many}`
  return { words: whole ? `${cardinal(whole)} and ${part}` : part }
}

/** Runs of digits, the groups of a phone number. */
const groups = (text: string) => text.match(/\d+/g) ?? []

function number(text: string, english: boolean): SaidAs {
  const m = /^([+-]?)([\d,. ]*\d)$/.exec(text)
  if (!m) return { text }
  const sign = m[1] === '-' ? (english ? 'minus ' : '-') : ''
  if (!english) return { text: `${sign}${m[2]}` }
  const [int, fraction] = m[2].replace(/[ ,]/g, '').split('.')
  return { words: sign + readNumber(int, fraction) }
}

/** The date in words; undefined when `text` is not a date in `format` (it is then read as text is). */
function date(text: string, format: string, english: boolean, ruled: Code | undefined): string | undefined {
  if (!DATE_FORMATS.includes(format)) throw new BadValue(`format="${format}" is not one of ${DATE_FORMATS.join(', ')}`)
  const parts = text.split(/[-/.\s]+/).filter(Boolean)
  if (parts.length !== format.length || parts.some((p) => !/^\d+$/.test(p))) return undefined
  const field = (c: string) => parts[format.indexOf(c)]
  const [y, m, d] = [field('y'), field('m'), field('d')]
  const month = m && Number(m) >= 1 && Number(m) <= 12 ? Number(m) - 1 : undefined
  if (m && month === undefined) return undefined
  if (english) {
    const yearWords = y && (y.length === 2 ? year(`20${y}`) : year(y))
    const md = [month !== undefined ? MONTHS[month] : '', d ? (m ? ordinal(d) : `the ${ordinal(d)}`) : ''].filter(Boolean).join(' ')
    return [md, yearWords].filter(Boolean).join(', ')
  }
  const words = ruled && WORDS[ruled]
  const day = d && words ? dayWord(Number(d), ruled!) : d
  const monthName = month !== undefined ? (words ? words.months[month + 1] : m) : ''
  const of = ruled === 'es' || ruled === 'pt' ? ' de ' : ' '
  return [day, monthName, y].filter(Boolean).join(of)
}

/** A day of the month as each language says it in a date. */
function dayWord(day: number, code: Code): string {
  if (code === 'de' || code === 'nl') return WORDS[code].ordinals?.[day] ?? String(day)
  if (code === 'fr' && day === 1) return 'premier'
  return String(day)
}
