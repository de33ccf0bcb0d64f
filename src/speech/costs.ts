// What synthesis costs, per voice, in two forms that answer two questions.
//
// How long may a segment be? Cut by a fixed table of engine time per character, so that a worker
// busy with one segment never holds a live deadline for long, whatever the voice. Fixed, not learned:
// the same text must always be cut the same way (the cache, and /v1/speak saying exactly what
// /v1/tts says, depend on it).
//
// How much of the pool does a live consumer take? Learned from what the pool measures (engine time
// per second of audio made, for each voice, as it runs on this machine under its real load), and
// until then taken from the table. The admission control predicts load from it.
import type { VoiceInfo } from './engine.js'

/**
 * Engine time per character on one worker at speed 1, ms; measured on a 2-core machine with each
 * engine's voices saying a 140-character sentence. Piper's is for a medium model on one thread.
 */
const MS_PER_CHAR: Record<string, number> = { slt: 0.62, rms: 0.7, awb: 0.76, kal: 0.13, kal16: 0.05 }
const ENGINE_MS_PER_CHAR: Record<string, number> = { flite: 0.8, espeak: 0.45, piper: 5 }
/** Audio per character at speed 1, ms: 50 to 64 for every voice measured. */
export const AUDIO_MS_PER_CHAR = 55

/** A segment should take no more engine time than this. */
const SEGMENT_ENGINE_MS = 150
/** Shorter cuts clauses apart and costs prosody; longer is the segmenter's own limit. */
const SEGMENT_CHARS = { min: 80, max: 200 }

const msPerChar = (voice: VoiceInfo) => MS_PER_CHAR[voice.id] ?? ENGINE_MS_PER_CHAR[voice.engine] ?? 1

/** The longest segment for `voice`: about SEGMENT_ENGINE_MS of its engine's time. */
export function segmentChars(voice: VoiceInfo): number {
  return Math.max(SEGMENT_CHARS.min, Math.min(SEGMENT_CHARS.max, Math.floor(SEGMENT_ENGINE_MS / msPerChar(voice))))
}

/** How much of the estimate a new measurement replaces. */
const WEIGHT = 0.1
/**
 * A measurement counts for at most this many times the estimate: a worker's first segment in a
 * voice also loads it, and one such segment must not make the voice look hundreds of times dearer.
 * A voice that really costs more gets there within a few dozen segments.
 */
const MAX_STEP = 4

export class SynthesisCosts {
  /** Engine seconds per second of audio, by voice id. */
  private readonly measured = new Map<string, number>()

  /** A segment of `voice` took `engineMs` of a worker's time to make `audioMs` of audio. */
  record(voice: VoiceInfo, engineMs: number, audioMs: number): void {
    if (audioMs <= 0) return
    const was = this.share(voice)
    this.measured.set(voice.id, was + WEIGHT * (Math.min(engineMs / audioMs, MAX_STEP * was) - was))
  }

  /** Workers `voice` keeps busy per second of audio it says in real time (0.01: one worker serves 100 such consumers); the table's until measured. */
  share(voice: VoiceInfo): number {
    return this.measured.get(voice.id) ?? msPerChar(voice) / AUDIO_MS_PER_CHAR
  }

  /** A worker's time, ms, to say `chars` characters in `voice`. */
  engineMs(voice: VoiceInfo, chars: number): number {
    return chars * AUDIO_MS_PER_CHAR * this.share(voice)
  }
}
