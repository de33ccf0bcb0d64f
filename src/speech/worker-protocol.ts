// Messages between the synthesis pool (main thread) and its worker threads.
import type { VoiceInfo } from './engine.js'

export interface SynthJob {
  engine: string
  voice: string
  text: string
  speed: number
}

export type WorkerRequest =
  | ({ type: 'synth'; id: number } & SynthJob)
  | { type: 'voices'; id: number }
  | { type: 'phonemes'; id: number; voice: string; text: string }

export type WorkerReply =
  | { type: 'chunk'; id: number; samples: ArrayBuffer }
  | { type: 'done'; id: number }
  | { type: 'result'; id: number; value: VoiceInfo[] | string }
  | { type: 'error'; id: number; message: string }
