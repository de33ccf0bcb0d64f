/** A voice as an engine reports it; the catalog in the database is seeded from these. */
export interface VoiceInfo {
  /** Stable slug, unique across engines, e.g. `slt` or `espeak-en-us`. */
  id: string
  name: string
  /** BCP 47 tag, e.g. `en-US`. */
  language: string
  gender: 'female' | 'male' | 'neutral'
  /** Rate of the PCM the engine produces for this voice. */
  sampleRate: number
  engine: string
}

export interface SynthesisOptions {
  voice: string
  /** 0.5–2.0; 1 is the voice's natural pace. */
  speed: number
  /** Pitch change in percent (SSML prosody pitch); only eSpeak NG can change it. */
  pitch?: number
  signal?: AbortSignal
  /**
   * Also say when each word was spoken (a `SegmentWords` after the audio). Off by default: Flite
   * needs a second, squeezed run for it: +30% time per segment for slt, +75% for kal16 (bench/timings.bench.ts).
   */
  words?: boolean
}

/** When one word of a segment was spoken. */
export interface WordTiming {
  /** Where the word stands in the segment's text: UTF-16 offsets, `to` exclusive. */
  from: number
  to: number
  /** Samples at the voice's rate from the start of the segment's audio; `end` exclusive. */
  start: number
  end: number
}

/** The words of a segment in the order spoken, given once, after the segment's last audio. */
export interface SegmentWords {
  words: WordTiming[]
}

/**
 * Turns one segment of normalized text into mono PCM16 at the voice's sample rate, and says when
 * each of its words was spoken. Chunks are little-endian Int16 samples; an engine may yield one or
 * many, then, when `options.words` asks for them, the segment's words once.
 */
export interface Engine {
  readonly name: string
  voices(): VoiceInfo[]
  synthesize(segment: string, options: SynthesisOptions): AsyncIterable<Int16Array | SegmentWords>
}
