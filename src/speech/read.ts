// The read step: what a request asks to be said becomes the segments the engine will speak, once.
// Everything after it (synthesis, caching, metering, marks on a call) works on these segments and
// never reads the text again.
import { normalize } from './normalize.js'
import { segment, type SegmentOptions } from './segment.js'
import { alignWords, type Span } from './align.js'
import type { VoiceInfo } from './engine.js'

/** The speed range every engine honours: 1 is the voice's natural pace. */
export const SPEED = { min: 0.5, max: 2 } as const

/** One piece of speech, synthesized as a unit and cached by (voice, speed, text). */
export interface Segment {
  /** Normalized words, as the engine reads them. */
  text: string
  voice: VoiceInfo
  speed: number
  /** For each whitespace-separated word of `text`, the characters of the input it was read from. */
  spans: Span[]
}

export interface ReadOptions extends SegmentOptions {
  /** Added to every span: where this text starts in a larger input (text streamed in pieces). */
  offset?: number
}

/** The segments `text` will be spoken in; [] when nothing in it can be spoken. */
export function read(text: string, voice: VoiceInfo, speed = 1, { offset = 0, ...options }: ReadOptions = {}): Segment[] {
  // A segment of punctuation alone ("...", "—") has nothing to say: dropped, so neither synthesized nor charged.
  const texts = segment(normalize(text, voice.language), options).filter(sayable)
  const spans = alignWords(text, texts.join(' '))
  let at = 0
  return texts.map((t) => {
    const words = t.split(' ').length
    const own = spans.slice(at, (at += words)).map(({ from, to }) => ({ from: from + offset, to: to + offset }))
    return { text: t, voice, speed, spans: own }
  })
}

const SPEAKABLE = /[\p{L}\p{N}]/u
const sayable = (words: string) => SPEAKABLE.test(words)

/**
 * Whether `text` has something to say, without reading it when a letter or digit already says so
 * (a route that hands the text on to be read elsewhere, such as a call's `say`, checks this first).
 */
export function speakable(text: string): boolean {
  return sayable(text) || segment(normalize(text)).some(sayable)
}
