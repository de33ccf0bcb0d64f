// Roman numerals after a name or a numbered thing: "Henry VIII" → "Henry the Eighth" (a monarch or
// pope), "World War II" → "World War Two", "Part IV" → "Part four". Only II and up, written in I, V
// and X: a lone "I" is the pronoun, "V" and "X" are letters ("Malcolm X"), and the larger letters
// spell ordinary words.

import { cardinal, ordinal } from './numbers.js'

const capitalized = (words: string) => words[0].toUpperCase() + words.slice(1)

const VALUES: Record<string, number> = { I: 1, V: 5, X: 10 }

/** The value of a well-formed numeral from II to XXXIX; undefined for anything else ("IIX", "VV"). */
function value(numeral: string): number | undefined {
  let total = 0
  for (let i = 0; i < numeral.length; i++) {
    const v = VALUES[numeral[i]]
    const next = VALUES[numeral[i + 1]] ?? 0
    total += v < next ? -v : v
  }
  return total >= 2 && toRoman(total) === numeral ? total : undefined
}

function toRoman(n: number): string {
  const tens = 'X'.repeat(Math.floor(n / 10))
  const ones = ['', 'I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX'][n % 10]
  return tens + ones
}

// Counted things: the numeral is a number ("World War Two", "Chapter nine").
const COUNTED = /\b(War|Part|Chapter|Volume|Vol\.|Act|Phase|Type|Class|Title|Article|Book|Episode|Round|Level|Stage|Bowl)( )([IVX]{2,6})\b/g
// After any other capitalized name: a monarch's or pope's number, said as "the" and an ordinal.
const REGNAL = /(?<=\b\p{Lu}\p{Ll}+ )([IVX]{2,6})\b(?!')/gu
// What both need: two numeral letters in a row, which most text lacks. Nine plain searches rule
// them out sooner than one regular expression.
const PAIRS = ['II', 'IV', 'IX', 'VI', 'VV', 'VX', 'XI', 'XV', 'XX']

export function readRomanNumerals(text: string): string {
  if (!PAIRS.some((pair) => text.includes(pair))) return text
  return text
    .replace(COUNTED, (m, word: string, space: string, numeral: string) => {
      const n = value(numeral)
      return n === undefined ? m : `${word}${space}${capitalized(cardinal(String(n)))}`
    })
    .replace(REGNAL, (m, numeral: string) => {
      const n = value(numeral)
      return n === undefined ? m : `the ${capitalized(ordinal(String(n)))}`
    })
}
