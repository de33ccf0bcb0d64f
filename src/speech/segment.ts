// Cuts normalized text into the pieces the engine synthesizes one at a time. The first piece is
// short so the first audio leaves early; the rest are sentences, long ones cut at clauses, so each
// is synthesized while the one before it plays.
//
// Join invariant: every segment is trimmed and non-empty, and
//
//   segments.join(' ') === text.replace(/\s+/g, ' ').trim()
//
// for every text in which no word (run of non-whitespace) is longer than maxChars. Each cut
// replaces exactly one space of the collapsed text; the only other cuts fall inside a word longer
// than maxChars, which has to be hard-split and so comes back with a space inside it. Segments stay
// trimmed (rather than keeping their trailing space) because the synthesizer caches audio by
// segment text, and "Thank you. " must hit the same entry as "Thank you.".

export interface SegmentOptions {
  /** No segment is longer than this (UTF-16 units); at least 2 so a surrogate pair always fits. */
  maxChars?: number
  /** The first segment has at most this many words when the first sentence has more. */
  firstMaxWords?: number
}

const DEFAULT_MAX_CHARS = 200
const DEFAULT_FIRST_MAX_WORDS = 6

interface Word {
  text: string
  /** The whitespace before this word held a line break: a sentence ends before it. */
  breakBefore: boolean
}

// After these a period never ends the sentence: what follows belongs to them.
const NEVER_ENDS = new Set(['e.g', 'i.e', 'cf', 'vs', 'approx', 'viz'])
// Titles: not an end when a (capitalized) name follows, "Dr. Smith".
const TITLES = new Set([
  'mr', 'mrs', 'ms', 'dr', 'st', 'prof', 'mt', 'ft', 'sgt', 'capt', 'col', 'gen', 'lt', 'rev', 'hon',
  'sen', 'rep', 'gov', 'pres', 'fr',
])
// Not an end when a number follows, "No. 5", "Oct. 7"; "I said no. Then" still ends.
const BEFORE_NUMBERS = new Set([
  'no', 'nos', 'fig', 'vol', 'pp', 'ca', 'apt', 'ste', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug',
  'sep', 'sept', 'oct', 'nov', 'dec',
])
const CLOSERS = /["'”’»)\]}]+$/u
const HARD_END = /[!?‽。！？]$/u
const CLAUSE_END = /[,;:，、；：—–]$/u
const DASH = /^[-–—]+$/u
// Cutting the first segment right after one of these would leave it hanging ("… to the").
const FUNCTION_WORDS = new Set([
  'a', 'an', 'the', 'to', 'of', 'and', 'or', 'but', 'in', 'on', 'at', 'for', 'with', 'by', 'from',
  'my', 'your', 'our', 'their', 'his', 'her', 'its', 'this', 'that',
])
// Read numbers ("three thirty", "four one five") and spelled letters ("P M") are one phrase.
const NUMBER_WORD =
  /^(?:(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-[a-z]+)?|hundred|thousand|million|billion|trillion|point|oh)$/
const SPELLED_LETTER = /^\p{Lu}\.?$/u
// Where a hard split of an over-long word prefers to fall (unspaced scripts put their punctuation here).
const SPLIT_AFTER = /[。！？，、；：.!?,;:]/u

// Never the first unit of a piece: the second half of a surrogate pair, a combining mark, a ZWJ.
const INSEPARABLE = /[\uDC00-\uDFFF\p{M}\u200D]/u

function cleanCut(s: string, at: number): boolean {
  return !INSEPARABLE.test(s[at]) && s[at - 1] !== '\u200D'
}

const LINE_BREAK = /[\n\r\v\f\u2028\u2029]/

function words(text: string): Word[] {
  const out: Word[] = []
  const re = /(\s*)(\S+)/g
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // Almost every word follows a single space: no need to look for a line break in it.
    out.push({ text: m[2], breakBefore: out.length > 0 && m[1] !== ' ' && LINE_BREAK.test(m[1]) })
  }
  return out
}

/** The last character of a word that may end a sentence: an end mark, or a closer after one. */
const MAY_END_LAST = new Set(['.', '…', '!', '?', '‽', '。', '！', '？', '"', "'", '”', '’', '»', ')', ']', '}'])

function endsSentence(word: string, prev: string | undefined, next: Word | undefined): boolean {
  if (!next || next.breakBefore) return true
  if (!MAY_END_LAST.has(word[word.length - 1])) return false // most words: no regex needed
  const core = word.replace(CLOSERS, '')
  if (HARD_END.test(core)) return true
  if (!core.endsWith('.') && !core.endsWith('…')) return false
  const base = core.replace(/[.…]+$/, '')
  // "Dr. Smith", "e.g. this", "J. R. Tolkien": the period belongs to the abbreviation or initial.
  if (core.endsWith('.') && !core.endsWith('..')) {
    const abbr = base.toLowerCase().replace(/^\W+/, '')
    if (NEVER_ENDS.has(abbr)) return false
    if (TITLES.has(abbr) && /^\P{L}*\p{Lu}/u.test(next.text)) return false
    if (BEFORE_NUMBERS.has(abbr) && /^\P{L}*\d/u.test(next.text)) return false
    // An initial, unless it closes a spelled-out "P M." (the letter before it has no period).
    if (/^\p{Lu}$/u.test(base) && !(prev !== undefined && /^\p{Lu}$/u.test(prev))) return false
  }
  // A lowercase word next means the sentence goes on ("approx. five", "U.S. and", "wait… what").
  return !/^\P{L}*\p{Ll}/u.test(next.text)
}

function sentences(all: Word[]): string[][] {
  const out: string[][] = []
  let current: string[] = []
  all.forEach((w, i) => {
    current.push(w.text)
    if (endsSentence(w.text, all[i - 1]?.text, all[i + 1])) {
      out.push(current)
      current = []
    }
  })
  return out
}

/** A clause ends after "word," and after a free-standing dash ("wait – what"), which stays with it. */
function isClauseEnd(word: string): boolean {
  return CLAUSE_END.test(word.replace(CLOSERS, '')) || DASH.test(word)
}

/** Cuts a word longer than maxChars into pieces, never inside a surrogate pair or before a combining mark when avoidable. */
function hardSplit(word: string, maxChars: number): string[] {
  const pieces: string[] = []
  let rest = word
  while (rest.length > maxChars) {
    let cut = maxChars
    const window = rest.slice(0, maxChars)
    let punct = -1
    for (let i = window.length - 1; i >= Math.ceil(maxChars / 2); i--) {
      if (SPLIT_AFTER.test(window[i])) {
        punct = i
        break
      }
    }
    if (punct >= 0) cut = punct + 1
    let clean = cut
    while (clean > 1 && !cleanCut(rest, clean)) clean--
    // No clean cut (a run of combining marks or a long emoji sequence): at least keep surrogate pairs whole.
    if (cleanCut(rest, clean)) cut = clean
    else if (/[\uDC00-\uDFFF]/.test(rest[cut])) cut -= 1
    pieces.push(rest.slice(0, cut))
    rest = rest.slice(cut)
  }
  if (rest) pieces.push(rest)
  return pieces
}

/** Greedy packing of a word run into segments of at most maxChars. */
function packWords(run: string[], maxChars: number): string[] {
  const out: string[] = []
  let current = ''
  for (const w of run) {
    const pieces = w.length > maxChars ? hardSplit(w, maxChars) : [w]
    for (const [i, p] of pieces.entries()) {
      // Pieces of one word have no space between them, so each one after the first starts a segment.
      if (current && i === 0 && current.length + 1 + p.length <= maxChars) current += ' ' + p
      else {
        if (current) out.push(current)
        current = p
      }
    }
  }
  if (current) out.push(current)
  return out
}

/** A sentence (or its remainder) into segments: whole if it fits, else clauses packed together, else words. */
function packSentence(run: string[], maxChars: number): string[] {
  const whole = run.join(' ')
  if (whole.length <= maxChars) return [whole]
  const clauses: string[][] = []
  let clause: string[] = []
  run.forEach((w, i) => {
    clause.push(w)
    if (i === run.length - 1 || isClauseEnd(w)) {
      clauses.push(clause)
      clause = []
    }
  })
  const out: string[] = []
  let current = ''
  for (const c of clauses) {
    const text = c.join(' ')
    if (text.length > maxChars) {
      if (current) out.push(current)
      current = ''
      out.push(...packWords(c, maxChars))
    } else if (current && current.length + 1 + text.length <= maxChars) {
      current += ' ' + text
    } else {
      if (current) out.push(current)
      current = text
    }
  }
  if (current) out.push(current)
  return out
}

/** How many words of the first sentence go into the first segment. */
function firstCut(run: string[], firstMaxWords: number): number {
  // The first clause boundary that keeps the segment within bounds and leaves more than one word.
  for (let k = 1; k <= firstMaxWords && k < run.length - 1; k++) {
    if (isClauseEnd(run[k - 1])) return k
  }
  let k = firstMaxWords
  if (run.length - k === 1 && k > 1) k -= 1
  // Else the longest cut, down to two words, that neither leaves "… to the" hanging nor splits a
  // number or spelled letters ("three | thirty P M").
  for (let j = k; j >= 2; j--) {
    const [last, next] = [run[j - 1], run[j]]
    const splitsPhrase = SPELLED_LETTER.test(next) || (NUMBER_WORD.test(last) && NUMBER_WORD.test(next))
    if (!FUNCTION_WORDS.has(last.toLowerCase()) && !splitsPhrase) return j
  }
  return k
}

/**
 * Splits normalized text into segments for streaming synthesis (see the join invariant above).
 * Empty or whitespace-only text gives [].
 */
export function segment(text: string, options: SegmentOptions = {}): string[] {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS
  const firstMaxWords = options.firstMaxWords ?? DEFAULT_FIRST_MAX_WORDS
  if (!Number.isInteger(maxChars) || maxChars < 2) throw new RangeError(`maxChars must be an integer ≥ 2, got ${maxChars}`)
  if (!Number.isInteger(firstMaxWords) || firstMaxWords < 1) {
    throw new RangeError(`firstMaxWords must be an integer ≥ 1, got ${firstMaxWords}`)
  }
  const out: string[] = []
  sentences(words(text)).forEach((run, i) => {
    if (i === 0 && run.length > firstMaxWords) {
      const k = firstCut(run, firstMaxWords)
      out.push(...packSentence(run.slice(0, k), maxChars), ...packSentence(run.slice(k), maxChars))
    } else {
      out.push(...packSentence(run, maxChars))
    }
  })
  return out
}
