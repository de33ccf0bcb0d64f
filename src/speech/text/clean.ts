// Input hygiene before any reading rule runs. Line breaks survive (as one "\n") because the
// segmenter treats them as sentence ends; every other whitespace run becomes one space.

// C0/C1 controls (tab, CR and LF are whitespace, handled below), lone surrogates, and the invisible
// characters that only confuse a voice (zero-width space, BOM, word joiner). ZWJ/ZWNJ stay: they
// change how Indic, Persian and emoji text is written.
const INVISIBLE = /[\0-\x08\x0E-\x1F\x7F-\x9F\p{Cs}\u200B\u2060\uFEFF]/gu

export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '')
}

/** Whitespace runs → one space, or one "\n" when the run held a line break; trimmed. */
export function collapseWhitespace(text: string): string {
  // A lone space is already right: only longer runs and other whitespace are replaced, which
  // leaves a replacement call for a few places in a text rather than for every space.
  return text
    .replace(/\s{2,}|[^\S ]/g, (ws) => (/[\n\r\v\f\u2028\u2029]/.test(ws) ? '\n' : ' '))
    .trim()
}

const LOOKALIKE = /[\u2212\u2018\u2019\u02BC\u201C\u201D]/

/** Typographic look-alikes that the reading rules should see in their ASCII form. */
export function unifyLookalikes(text: string): string {
  if (!LOOKALIKE.test(text)) return text
  return text
    .replace(/\u2212/g, '-') // minus sign
    .replace(/[\u2018\u2019\u02BC]/g, "'") // curly apostrophes, so "o'clock"/"'90s" match
    .replace(/[\u201C\u201D]/g, '"')
}
