// Phone numbers are read digit by digit in the groups people write them in, with a comma between
// groups so the voice pauses: "+1 415 555 0100" → "plus one, four one five, five five five, zero one zero zero".

import { digitByDigit } from './numbers.js'
import { needs } from './needs.js'

// ITU country codes are prefix-free: 1 and 7 are one digit, these are two, every other is three.
const TWO_DIGIT_CODES = new Set([
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84',
  '86', '90', '91', '92', '93', '94', '95', '98',
])

function countryCodeLength(digits: string): number {
  if (digits[0] === '1' || digits[0] === '7') return 1
  return TWO_DIGIT_CODES.has(digits.slice(0, 2)) ? 2 : 3
}

/** Splits a run of digits into groups of three and four, the fours last: 10 → 3-3-4, 8 → 4-4. */
function chunk(digits: string): string[] {
  if (digits.length <= 4) return [digits]
  const count = Math.ceil(digits.length / 4)
  const small = Math.floor(digits.length / count)
  const bigCount = digits.length - small * count
  const groups: string[] = []
  let at = 0
  for (let i = 0; i < count; i++) {
    const size = i >= count - bigCount ? small + 1 : small
    groups.push(digits.slice(at, at + size))
    at += size
  }
  return groups
}

function speak(groups: string[], plus: boolean, extension?: string): string {
  const spoken = groups.map(digitByDigit)
  if (plus) spoken[0] = `plus ${spoken[0]}`
  return spoken.join(', ') + (extension ? `, extension ${digitByDigit(extension)}` : '')
}

/** A US number's head: "800" is said "eight hundred", and a "1" before it runs into it ("one eight hundred"). */
function nanpHead(one: string | undefined, area: string): string[] {
  if (area !== '800') return one ? ['1', area] : [area]
  return [one ? 'one eight hundred' : 'eight hundred']
}

function speakNanp(one: string | undefined, area: string, rest: string[], extension?: string): string {
  const head = nanpHead(one, area)
  const spoken = [...head.map((g) => (/^\d+$/.test(g) ? digitByDigit(g) : g)), ...rest.map(digitByDigit)]
  return spoken.join(', ') + (extension ? `, extension ${digitByDigit(extension)}` : '')
}

// "1-800-FLOWERS", "1-888-GOT-JUNK": a toll-free number spelled in letters, said as words.
const VANITY = needs(/8\d\d[ -][A-Z]/, /(?<![\w+.-])(?:(1)[ -])?(8(?:00|33|44|55|66|77|88))[ -]([A-Z]{2,}(?:-[A-Z]{2,})*)(?![\w-])/g)

const EXTENSION = String.raw`(?:,?\s?(?:ext\.?|x|extension)\s?(\d{1,6}))?`

// "+44 20 7183 8750", "+1 (415) 555-0100", "+14155550100": one flat character class and a check
// in code, rather than nested groups that could backtrack badly on long digit runs.
const INTERNATIONAL = needs('+', new RegExp(String.raw`(?<![\w+])\+\d[\d ().-]{5,22}\d(?!\d)` + EXTENSION + String.raw`(?!\w)`, 'gi'))
// "(415) 555-0100", "415-555-0100", "415.555.0100", "1-800-555-0100": the separators are what say
// "phone", so a plain 4155550100 needs the NANP shape (area code and exchange start with 2-9).
const NANP = needs(/\d{3}[ .-]\d{4}/, new RegExp(
  String.raw`(?<![\w+.,/-])(?:(1)[ .-]?)?(?:\((\d{3})\) ?|(\d{3})([ .-]))(\d{3})[ .-](\d{4})(?![\w]|[.,/-]\d)` + EXTENSION,
  'gi',
))
// "555-0100": a US local number. Costs "100-1000" its reading as a range; on a phone line the
// local number is the likelier meaning of exactly this shape.
const LOCAL = needs(/\d{3}-\d{4}/, /(?<![\w+.,\/-])(\d{3})-(\d{4})(?![\w]|[.,\/-]\d)/g)
const NANP_BARE = needs(/\d{10}/, new RegExp(String.raw`(?<![\w+.,/$£€¥-])(1?)([2-9]\d\d[2-9]\d\d\d{4})(?![\w]|[.,/-]\d)` + EXTENSION, 'gi'))

// Digit groups with one separator between them, or a parenthesized group: "+1 (415) 555-0100".
const WELL_FORMED = /^\+\d+(?:(?: ?\(\d+\) ?|[ .-])\d+)*$/

function international(match: string, extension?: string): string {
  const body = extension === undefined ? match : match.slice(0, match.search(/,?\s?(?:ext|x)/i))
  const digits = body.replace(/\D/g, '')
  if (digits.length < 8 || digits.length > 15 || !WELL_FORMED.test(body)) return match
  if (digits[0] === '1' && digits.length === 11) return speak(['1', ...chunkNanp(digits.slice(1))], true, extension)
  const written = body.slice(1).split(/[ ().-]+/).filter(Boolean)
  if (written.length > 1) return speak(written.flatMap(chunk), true, extension)
  const cc = countryCodeLength(digits)
  return speak([digits.slice(0, cc), ...chunk(digits.slice(cc))], true, extension)
}

function chunkNanp(ten: string): string[] {
  return [ten.slice(0, 3), ten.slice(3, 6), ten.slice(6)]
}

export function readPhoneNumbers(text: string, digits: boolean): string {
  if (!digits) return text
  return text
    .replace(INTERNATIONAL, (m, ext?: string) => international(m, ext))
    .replace(VANITY, (_m, one: string | undefined, area: string, word: string) =>
      `${nanpHead(one, area).map((g) => (/^\d+$/.test(g) ? digitByDigit(g) : g)).join(' ')} ${word.toLowerCase().replace(/-/g, ' ')}`,
    )
    .replace(NANP, (_m, one?: string, paren?: string, area?: string, _sep?: string, exch?: string, line?: string, ext?: string) =>
      speakNanp(one, paren ?? area ?? '', [exch ?? '', line ?? ''], ext),
    )
    .replace(LOCAL, (_m, exch: string, line: string) => speak([exch, line], false))
    .replace(NANP_BARE, (_m, one: string, ten: string, ext?: string) => speakNanp(one || undefined, ten.slice(0, 3), chunkNanp(ten).slice(1), ext))
}
