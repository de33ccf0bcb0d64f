// The read step: what a request asks to be said becomes the segments the engine will speak, once.
// Everything after it (synthesis, caching, metering, marks on a call) works on these segments and
// never reads the text again.
import { normalize } from './normalize.js'
import { segment, type SegmentOptions } from './segment.js'
import { alignWords, type Span } from './align.js'
import type { VoiceInfo } from './engine.js'
import type { Lexicon } from './lexicon.js'
import { segmentChars } from './costs.js'

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
  /**
   * Audio made without the engine (SSML): `text` is empty and this is `ms` of silence, or of a
   * bleep; `mark` names the point of the audio where it starts (0 ms for a mark alone).
   */
  pause?: { ms: number; bleep?: boolean; mark?: string }
  /** Gain in dB applied to the segment's audio (SSML volume, emphasis); -Infinity is silence. */
  gain?: number
  /** Pitch change in percent (SSML prosody pitch), on the engines that can change it. */
  pitch?: number
}

/** What every segment of a run of text shares: who speaks it and how. */
export type Delivery = Pick<Segment, 'voice' | 'speed' | 'gain' | 'pitch'>

export interface ReadOptions extends SegmentOptions {
  /** Added to every span: where this text starts in a larger input (text streamed in pieces). */
  offset?: number
  /** The instance's pronunciation lexicon; none: the text as written. */
  lexicon?: Lexicon
}

/** The segments `text` will be spoken in; [] when nothing in it can be spoken. */
export function read(text: string, voice: VoiceInfo, speed = 1, { offset = 0, lexicon, ...options }: ReadOptions = {}): Segment[] {
  const spoken = readWords(text, voice, lexicon)
  const aligned = alignWords(text, spoken)
  const spans = offset === 0 ? aligned : aligned.map(({ from, to }) => ({ from: from + offset, to: to + offset }))
  return cut(spoken, spans, { voice, speed }, options)
}

/** The words `voice` says for `text`: the lexicon's aliases, the reading rules, the lexicon's phonemes. */
export function readWords(text: string, voice: VoiceInfo, lexicon?: Lexicon): string {
  if (!lexicon?.size) return normalize(text, voice.language)
  return lexicon.phonemes(normalize(lexicon.aliases(text, voice), voice.language), voice)
}

/**
 * Words already read (`spoken`) cut into segments (no longer than the voice makes quickly, costs.ts), each of its whitespace-separated words keeping
 * its span from `spans`, in order: the one way both plain text and SSML become segments.
 */
export function cut(spoken: string, spans: Span[], delivery: Delivery, options: SegmentOptions = {}): Segment[] {
  let at = 0
  return segment(spoken, { ...options, maxChars: options.maxChars ?? segmentChars(delivery.voice) })
    .map((t) => {
      let words = 1
      for (let k = t.indexOf(' '); k >= 0; k = t.indexOf(' ', k + 1)) words++
      const own = spans.slice(at, at + words)
      at += words
      // A word longer than a segment is split in two, and both halves come from its span.
      while (own.length < words) own.push(spans.at(-1) ?? { from: 0, to: 0 })
      // Object.assign, not a spread: V8 makes `{ ...delivery, text }` some 20 times slower, a tenth of the read step.
      return Object.assign({ text: t, spans: own }, delivery)
    })
    // A segment of punctuation alone ("...", "—") has nothing to say: dropped, so neither synthesized nor charged.
    .filter((s) => sayable(s.text))
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
