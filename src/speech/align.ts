// Which characters of the input each spoken word came from. Reading rewrites text ("$42" →
// "forty-two dollars", "Dr." → "Doctor"), so a word's timing is only useful to a client if it can
// be laid back over what the client sent. Input and spoken words are matched token by token: equal
// words map one to one; a run that reading rewrote maps as a block, every spoken word of it to the
// whole input run.

/** A range of the input text, UTF-16 offsets, `to` exclusive. */
export interface Span {
  from: number
  to: number
}

interface Token extends Span {
  key: string
}

const TOKEN = /\S+/g
const NOT_WORD = /[^\p{L}\p{N}]/gu

/**
 * Compared without case and punctuation: reading keeps words but may touch both. ASCII words, most
 * of them, are keyed by a loop over their characters: the Unicode regex took half the read step.
 */
function keyOf(word: string): string {
  let k = 0
  while (k < word.length && isLowerAlnum(word.charCodeAt(k))) k++
  if (k === word.length) return word // most words: their own key
  let key = word.slice(0, k)
  for (; k < word.length; k++) {
    const c = word.charCodeAt(k)
    if (isLowerAlnum(c)) key += word[k]
    else if (c >= 65 && c <= 90) key += String.fromCharCode(c + 32)
    else if (c >= 128) return word.toLowerCase().replace(NOT_WORD, '')
  }
  return key
}

const isLowerAlnum = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57)

function tokens(text: string): Token[] {
  const out: Token[] = []
  TOKEN.lastIndex = 0
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) out.push({ from: m.index, to: m.index + m[0].length, key: keyOf(m[0]) })
  return out
}

/** How far ahead a rewritten run is searched for the next pair of equal words. */
const WINDOW = 16

/**
 * For each whitespace-separated word of `spoken`, the span of `input` it was read from. Spans are
 * in order and never empty; a word reading added from nothing (none does today) gets its neighbour's.
 */
export function alignWords(input: string, spoken: string): Span[] {
  const a = tokens(input)
  const b = tokens(spoken)
  const out: Span[] = []
  let i = 0
  let j = 0
  const block = (i2: number, j2: number) => {
    // Input tokens i..i2 were read as spoken words j..j2.
    const span = i2 > i ? { from: a[i].from, to: a[i2 - 1].to } : (out.at(-1) ?? { from: 0, to: 0 })
    for (let k = j; k < j2; k++) out.push(span)
    i = i2
    j = j2
  }
  while (j < b.length) {
    if (i < a.length && a[i].key === b[j].key && a[i].key !== '') {
      out.push({ from: a[i].from, to: a[i].to })
      i++
      j++
      continue
    }
    const next = nextMatch(a, b, i, j)
    if (next) block(next[0], next[1])
    else block(a.length, b.length)
  }
  return out
}

/** The nearest (by combined distance) pair of equal, non-empty words after a rewritten run. */
function nextMatch(a: Token[], b: Token[], i: number, j: number): [number, number] | null {
  for (let d = 1; d <= 2 * WINDOW; d++) {
    for (let di = Math.max(0, d - WINDOW); di <= Math.min(d, WINDOW); di++) {
      const ii = i + di
      const jj = j + (d - di)
      if (ii < a.length && jj < b.length && a[ii].key !== '' && a[ii].key === b[jj].key) return [ii, jj]
    }
  }
  return null
}
