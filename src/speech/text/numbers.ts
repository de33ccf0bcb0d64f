// Number words for US English, the way a phone voice reads them ("one hundred twenty-three",
// no "and"). Everything takes digit strings, not numbers, so long inputs never lose precision.

const ONES = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
]
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety']
const SCALES = ['', 'thousand', 'million', 'billion', 'trillion']

/** Longest integer read as a cardinal; anything longer is an identifier and read digit by digit. */
export const MAX_CARDINAL_DIGITS = 15

function under1000(n: number): string {
  const words: string[] = []
  if (n >= 100) words.push(ONES[Math.floor(n / 100)], 'hundred')
  const rest = n % 100
  if (rest > 0 || n === 0) {
    if (rest < 20) words.push(ONES[rest])
    else words.push(TENS[Math.floor(rest / 10)] + (rest % 10 ? '-' + ONES[rest % 10] : ''))
  }
  return words.join(' ')
}

// Every number is read in groups of three digits; their words are made once.
const GROUP_WORDS = Array.from({ length: 1000 }, (_, n) => under1000(n))

/** "1234567" → "one million two hundred thirty-four thousand five hundred sixty-seven". */
export function cardinal(digits: string): string {
  const clean = digits.startsWith('0') ? digits.replace(/^0+(?=\d)/, '') : digits
  if (clean.length > MAX_CARDINAL_DIGITS) return digitByDigit(clean)
  // Most numbers are one group: its words as made above.
  const group = clean.length <= 3 ? GROUP_WORDS[Number(clean)] : undefined
  if (group !== undefined) return group
  const words: string[] = []
  let allZero = true
  // Groups of three from the right: the first, leftmost, holds what is left over.
  let scale = Math.ceil(clean.length / 3)
  for (let start = 0, end = clean.length % 3 || 3; start < clean.length; start = end, end += 3) {
    const g = Number(clean.slice(start, end))
    scale--
    if (g !== 0) allZero = false
    if (g > 0) {
      // A group that is not three digits (a caller's odd input) is read as it always was.
      const said = GROUP_WORDS[g] ?? under1000(g)
      words.push(SCALES[scale] ? `${said} ${SCALES[scale]}` : said)
    }
  }
  return allZero ? 'zero' : words.join(' ')
}

/** "0100" → "zero one zero zero". */
export function digitByDigit(digits: string): string {
  let words = ''
  let first = true
  for (const d of digits) {
    words += (first ? '' : ' ') + (ONES[Number(d)] ?? '')
    first = false
  }
  return words
}

const IRREGULAR_ORDINALS: Record<string, string> = {
  one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth',
}

/** Turns the last word of a cardinal into its ordinal: "twenty-one" → "twenty-first". */
export function ordinalWords(cardinalText: string): string {
  const m = /([a-z]+)$/.exec(cardinalText)
  if (!m) return cardinalText
  const last = m[1]
  const ord = IRREGULAR_ORDINALS[last] ?? (last.endsWith('y') ? last.slice(0, -1) + 'ieth' : last + 'th')
  return cardinalText.slice(0, m.index) + ord
}

export function ordinal(digits: string): string {
  return ordinalWords(cardinal(digits))
}

/** Plural of a number word, for decades: "ninety" → "nineties", "hundred" → "hundreds". */
export function pluralWords(cardinalText: string): string {
  return cardinalText.endsWith('y') ? cardinalText.slice(0, -1) + 'ies' : cardinalText + 's'
}

/** Years as people say them: 1999 "nineteen ninety-nine", 2005 "two thousand five", 1905 "nineteen oh five". */
export function year(digits: string): string {
  const y = Number(digits)
  if (!/^\d{4}$/.test(digits) || y < 1000 || y % 1000 < 10) return cardinal(digits)
  const hi = cardinal(String(Math.floor(y / 100)))
  const lo = y % 100
  if (lo === 0) return `${hi} hundred`
  if (lo < 10) return `${hi} oh ${ONES[lo]}`
  return `${hi} ${cardinal(String(lo))}`
}

/**
 * A plain number as written: "1,234" (commas grouped), "3.5" (digits after the point one by one),
 * "007" (a leading zero means an identifier, so digit by digit).
 */
export function readNumber(intPart: string, fraction?: string): string {
  const int = intPart.replace(/,/g, '')
  let words: string
  if (int === '') words = ''
  else if (int.length > 1 && int.startsWith('0')) words = digitByDigit(int)
  else words = cardinal(int)
  if (fraction === undefined || fraction === '') return words
  return `${words ? words + ' ' : ''}point ${digitByDigit(fraction)}`
}
