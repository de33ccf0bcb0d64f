// The last pass that reads digits: every ASCII digit still in the text becomes words here, so no
// digit ever reaches the voice (Flite reads "1,5" or "3D" unpredictably).

import { ordinal, readNumber } from './numbers.js'
import { needs } from './needs.js'

const ORDINAL = needs(/\d(?:st|nd|rd|th|ST|ND|RD|TH)/, /(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:st|nd|rd|th|ST|ND|RD|TH)\b/g)
// Versions and addresses: "2.0.1", "192.168.0.1".
const DOTTED = needs(/\d\.\d+\.\d/, /(?<![\d.])\d+(?:\.\d+){2,}(?!\d|\.\d)/g)
// A minus sign: at the start or after a space or opening bracket, right before a number.
const NEGATIVE = needs(/-\.?\d/, /(?<=^|[\s(\[{"'=<>\/])-(?=\.?\d)/g)
const LEADING_POINT = needs(/\.\d/, /(?<![\w.])\.(\d+)/g)
const GLUED_HYPHEN = needs(/-\d/, /(?<=\p{L})-(?=\d)/gu)
const SLASH_BY_DIGIT = needs('/', /(?<=\d)\/|\/(?=\d)/g)
const NUMBER = /(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.(\d+))?/g
const LETTER = /\p{L}/u

/** "A4" → "A four", "3D" → "three D", "v2.0" → "v two point zero": a number glued to letters is its own word. */
function spaced(words: string, all: string, offset: number, length: number): string {
  const before = offset > 0 && LETTER.test(all[offset - 1]) ? ' ' : ''
  const after = LETTER.test(all[offset + length] ?? '') ? ' ' : ''
  return before + words + after
}

export function readPlainNumbers(text: string, digits: boolean): string {
  if (!digits) return text
  return text
    .replace(ORDINAL, (_m, n: string) => ordinal(n.replace(/,/g, '')))
    .replace(DOTTED, (m, offset: number, all: string) =>
      spaced(m.split('.').map((part) => readNumber(part)).join(' dot '), all, offset, m.length),
    )
    .replace(GLUED_HYPHEN, ' ') // "COVID-19"
    // Not a date or fraction ("10/7", "€5/6"): what Flite would say, and a second pass must not
    // mistake the words on either side for "yes/no".
    .replace(SLASH_BY_DIGIT, ' slash ')
    .replace(NEGATIVE, 'minus ')
    .replace(LEADING_POINT, (_m, f: string) => readNumber('', f))
    .replace(NUMBER, (m, int: string, frac: string | undefined, offset: number, all: string) =>
      spaced(readNumber(int, frac), all, offset, m.length),
    )
}
