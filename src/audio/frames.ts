// Cuts a stream of byte chunks of any size into fixed-size frames (Twilio wants 20 ms of 8 kHz
// μ-law = 160 bytes per media message), carrying the remainder across chunk boundaries.
import { MULAW_SILENCE } from './g711.js'

/** 20 ms of 8 kHz μ-law. */
export const FRAME_BYTES = 160

export interface Framer {
  /** Whole frames completed by this chunk (each a fresh copy; the chunk may be reused). */
  push(chunk: Uint8Array): Uint8Array[]
  /** The last partial frame padded to full size (μ-law silence by default), or null when none is
   *  pending. The framer is then empty and ready for a new stream. */
  flush(padByte?: number): Uint8Array | null
  /** Bytes waiting for the next frame. */
  readonly pending: number
}

export function createFramer(frameBytes = FRAME_BYTES): Framer {
  if (!Number.isInteger(frameBytes) || frameBytes < 1) throw new RangeError(`frameBytes must be a positive integer, got ${frameBytes}`)
  let partial = new Uint8Array(frameBytes)
  let filled = 0
  return {
    get pending() {
      return filled
    },
    push(chunk) {
      const frames: Uint8Array[] = []
      let at = 0
      if (filled > 0) {
        const take = Math.min(frameBytes - filled, chunk.length)
        partial.set(chunk.subarray(0, take), filled)
        filled += take
        at = take
        if (filled < frameBytes) return frames
        frames.push(partial)
        partial = new Uint8Array(frameBytes)
        filled = 0
      }
      for (; at + frameBytes <= chunk.length; at += frameBytes) frames.push(chunk.slice(at, at + frameBytes))
      partial.set(chunk.subarray(at), 0)
      filled = chunk.length - at
      return frames
    },
    flush(padByte = MULAW_SILENCE) {
      if (filled === 0) return null
      const frame = partial
      frame.fill(padByte, filled)
      partial = new Uint8Array(frameBytes)
      filled = 0
      return frame
    },
  }
}
