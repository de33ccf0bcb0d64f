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
  signal?: AbortSignal
}

/**
 * Turns one segment of normalized text into mono PCM16 at the voice's sample rate.
 * Chunks are little-endian Int16 samples; an engine may yield one or many.
 */
export interface Engine {
  readonly name: string
  voices(): VoiceInfo[]
  synthesize(segment: string, options: SynthesisOptions): AsyncIterable<Int16Array>
}
