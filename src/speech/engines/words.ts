// The words of a segment as timings name them: each whitespace-separated token without the
// punctuation around it ("Hello," → "Hello"), so that `from/to` slice exactly the word a
// caption shows. A token of punctuation only is no word, unless it is a sign read aloud ("&").
import type { WordTiming } from '../engine.js'
import type { Span } from '../align.js'

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

/** Below this (about -50 dBFS) a sample is silence. */
const SILENT = 32768 * 10 ** (-50 / 20)

/**
 * Word timings for an engine that gives none (Piper's models output audio only): the sounding part
 * of the audio, from its first to its last sample above -50 dBFS, shared among the words by their
 * letters. An estimate: pauses between clauses are spread over the words around them. Its error on
 * real speech, measured against eSpeak NG's own word events (the same estimator applied to eSpeak
 * NG's audio), is printed by `npm run bench -- timings`.
 */
export function estimateWords(text: string, samples: Int16Array): WordTiming[] {
  const spans = wordSpans(text)
  let first = 0
  while (first < samples.length && Math.abs(samples[first]) < SILENT) first++
  let last = samples.length
  while (last > first && Math.abs(samples[last - 1]) < SILENT) last--
  const weights = spans.map((s) => Math.max(1, text.slice(s.from, s.to).replace(/[^\p{L}\p{N}]/gu, '').length))
  const total = weights.reduce((a, b) => a + b, 0)
  let at = first
  return spans.map((s, i) => {
    const start = at
    at = i === spans.length - 1 ? last : at + Math.round(((last - first) * weights[i]) / total)
    return { from: s.from, to: s.to, start, end: Math.max(start + 1, at) }
  })
}
