// An abbreviation's period can also end the sentence ("Meet me on Oak Dr. Then turn left").
// When the expansion drops the period, this decides whether a "." must stay for the segmenter.

const NEXT_STARTS_SENTENCE = /^(?:\s*$|\s*\n|\s+["'(]?\p{Lu})/u

/** True when the text from `index` on looks like the start of a new sentence (or nothing). */
export function startsNewSentence(text: string, index: number): boolean {
  return NEXT_STARTS_SENTENCE.test(text.slice(index, index + 8))
}
