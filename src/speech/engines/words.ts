// The words of a segment as timings name them: each whitespace-separated token without the
// punctuation around it ("Hello," → "Hello"), so that `from/to` slice exactly the word a
// caption shows. A token of punctuation only is no word, unless it is a sign read aloud ("&").
export interface Span {
  from: number
  to: number
}

const EDGE_PUNCTUATION = /^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu

/** Signs the engines say as words. */
const SPOKEN_SIGN = /[&@%+=$#€£]/u

export function wordSpans(text: string): Span[] {
  const spans: Span[] = []
  for (const match of text.matchAll(/\S+/g)) {
    const token = match[0]
    const lead = token.length - token.replace(/^[\p{P}\p{S}]+/u, '').length
    const word = token.replace(EDGE_PUNCTUATION, '')
    if (word.length === 0) {
      if (SPOKEN_SIGN.test(token)) spans.push({ from: match.index, to: match.index + token.length })
      continue
    }
    spans.push({ from: match.index + lead, to: match.index + lead + word.length })
  }
  return spans
}

/** Index of the first span that ends after `offset` (the word it lies in, or the next); -1 when none. */
export function spanAt(spans: Span[], offset: number): number {
  return spans.findIndex((span) => span.to > offset)
}

/** Milliseconds → samples at `rate`. */
export const msToSamples = (ms: number, rate: number): number => Math.round((ms * rate) / 1000)
