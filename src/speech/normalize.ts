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
import { needs } from './text/needs.js'

// `digits`: whether the text held an ASCII digit when the round began. No pass writes a digit into
// text that had none, so a pass that only reads numbers can skip the text without looking again: a
// round after the first, on digit-free words, runs only the few passes that read words.
const PASSES: Array<(text: string, digits: boolean) => string> = [
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
// extra round for almost all text, short because it holds no digit, and the bound stops a
// pathological input.
const MAX_ROUNDS = 4

// Spaces before punctuation go, a comma gets one before a word. In one scan: removing spaces never
// puts a word after a comma, and the spaces added never stand before punctuation.
const PADDING = needs(/[ \t][,.;:!?]|,[^ ]/, /[ \t]+(?=[,.;:!?])|,(?=\p{L})/gu)

// Ten plain searches tell a text without digits quicker than one regular expression does.
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']

/**
 * One round of every pass. `tidied`: whether `text` is what a round returned. Tidying that again
 * changes nothing (its whitespace is single spaces and line breaks, none before punctuation, and a
 * space after every comma before a word), so when no pass changes it, it is returned as it is.
 */
function readOnce(text: string, tidied: boolean): string {
  const digits = DIGITS.some((d) => text.includes(d))
  let out = text
  for (const pass of PASSES) out = pass(out, digits)
  if (tidied && out === text) return text
  // Passes pad their words with spaces; tidy that without touching the line breaks.
  return collapseWhitespace(out.replace(PADDING, (m) => (m === ',' ? ', ' : '')))
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
    const next = readOnce(out, round > 0)
    if (next === out) break
    out = next
  }
  return out
}
