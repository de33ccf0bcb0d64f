// Messages between the synthesis pool (main thread) and its worker threads.
import type { VoiceInfo, WordTiming } from './engine.js'
import type { PiperOptions, PiperStatus } from './engines/piper.js'

/** What the pool hands each worker at spawn. */
export interface WorkerData {
  /** Int32 slot 0: id of the task the pool wants stopped. */
  cancel: SharedArrayBuffer
  /** Int32 slot 0: bumped by the pool to make workers rescan the models directory. */
  generation: SharedArrayBuffer
  piper: PiperOptions
}

/** Every engine's voices, and the Piper side's report (for /health and /metrics). */
export interface SpeechStatus {
  voices: VoiceInfo[]
  piper: PiperStatus
}

export interface SynthJob {
  engine: string
  voice: string
  text: string
  speed: number
  /** Pitch change in percent (SSML); engines that cannot change pitch leave it. */
  pitch?: number
  /** Send the segment's words (a `words` reply) before `done`. */
  words?: boolean
}

export type WorkerRequest =
  | ({ type: 'synth'; id: number } & SynthJob)
  | { type: 'status'; id: number }
  | { type: 'phonemes'; id: number; voice: string; text: string }

export type WorkerReply =
  | { type: 'chunk'; id: number; samples: ArrayBuffer }
  /** A segment's words, after its last chunk and before `done`. */
  | { type: 'words'; id: number; words: WordTiming[] }
  /** A synthesis is complete; `engineMs`: the time it took here (the pool learns each voice's cost from it). */
  | { type: 'done'; id: number; engineMs?: number }
  | { type: 'result'; id: number; value: SpeechStatus | string }
  | { type: 'error'; id: number; message: string }
