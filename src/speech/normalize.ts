// Text → words a telephony voice (CMU Flite first of all) reads correctly. Each pass turns one kind
// of written form into plain words; the order matters because later passes must not see the digits
// and symbols earlier ones have read (a phone number is not a sum of cardinals, "12 Oak Dr." needs
// its "12" still a digit when "Dr." is decided). Sentence punctuation is kept for the segmenter.
// These passes are English: a voice of another language gets its own rules (text/lang/) or, for a
// language without rules here, only the cleanup, so that nothing is ever read in English to it.

import { collapseWhitespace, stripInvisible, unifyLookalikes } from './text/clean.js'
import { readWeb } from './text/web.js'
import { readDates } from './text/dates.js'
import { readTimes } from './text/times.js'
import { readPhoneNumbers } from './text/phone.js'
import { readCodes } from './text/codes.js'
import { readMeasures, readRangesAndBounds } from './text/measures.js'
import { readMoney } from './text/money.js'
import { readAbbreviations } from './text/abbreviations.js'
import { readRomanNumerals } from './text/roman.js'
import { readSlashes, readSymbols } from './text/symbols.js'
import { readPlainNumbers } from './text/plain-numbers.js'
import { isRuledLanguage, readInLanguage } from './text/lang/passes.js'

const PASSES: Array<(text: string) => string> = [
  readWeb, // first: addresses hold dots, digits and symbols that every later pass would misread
  readDates,
  readTimes,
  readPhoneNumbers,
  readCodes, // after phone numbers (theirs are codes too, grouped their own way), before amounts
  readRangesAndBounds, // before money and percentages, so "$10-$20" and "10-20%" read both sides
  readMoney,
  readMeasures,
  readAbbreviations,
  readRomanNumerals,
  readSymbols,
  readPlainNumbers, // whatever digits remain are plain numbers
  readSlashes,
]

// A word a late pass writes can give an earlier one something to read: "=A Dr" becomes "equals A Dr",
// and now "Dr" follows a name. So the passes run again until the text stops changing; that is one
// extra round for almost all text (about 50 µs a sentence), and the bound stops a pathological input.
const MAX_ROUNDS = 4

function readOnce(text: string): string {
  let out = text
  for (const pass of PASSES) out = pass(out)
  // Passes pad their words with spaces; tidy that without touching the line breaks.
  return collapseWhitespace(out.replace(/[ \t]+(?=[,.;:!?])/g, '').replace(/,(?=\p{L})/gu, ', '))
}

/** The primary subtag of a BCP 47 tag, lower-cased: `pt-BR` → `pt`, `es-419` → `es`. */
const primaryLanguage = (tag: string) => tag.split(/[-_]/)[0].toLowerCase()

/**
 * Returns what a voice of `language` (BCP 47) reads right for `text`. For English, plain words: no ASCII digits, no control characters, whitespace collapsed
 * (a run holding a line break becomes one "\n", which the segmenter treats as a sentence end),
 * sentence punctuation kept, non-Latin scripts left as they are. Idempotent: its output, normalized
 * again, comes back unchanged, so text that was already normalized upstream is safe to pass in.
 * For Spanish, French, German, Italian, Portuguese and Dutch, the forms eSpeak NG misreads become
 * words and plain integers (which it reads in that language); any other language gets the cleanup
 * only, and the engine reads the rest.
 */
export function normalize(text: string, language = 'en'): string {
  let out = collapseWhitespace(unifyLookalikes(stripInvisible(text)))
  const code = primaryLanguage(language)
  if (code !== 'en') return isRuledLanguage(code) ? collapseWhitespace(readInLanguage(out, code)) : out
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = readOnce(out)
    if (next === out) break
    out = next
  }
  return out
}
