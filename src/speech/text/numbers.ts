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

/** "1234567" → "one million two hundred thirty-four thousand five hundred sixty-seven". */
export function cardinal(digits: string): string {
  const clean = digits.replace(/^0+(?=\d)/, '')
  if (clean.length > MAX_CARDINAL_DIGITS) return digitByDigit(clean)
  const groups: number[] = []
  for (let end = clean.length; end > 0; end -= 3) groups.unshift(Number(clean.slice(Math.max(0, end - 3), end)))
  if (groups.every((g) => g === 0)) return 'zero'
  const words: string[] = []
  groups.forEach((g, i) => {
    const scale = SCALES[groups.length - 1 - i]
    if (g > 0) words.push(scale ? `${under1000(g)} ${scale}` : under1000(g))
  })
  return words.join(' ')
}

/** "0100" → "zero one zero zero". */
export function digitByDigit(digits: string): string {
  return Array.from(digits, (d) => ONES[Number(d)]).join(' ')
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
