// Least-recently-used cache of whole-segment audio, bounded in bytes. Phone systems say the same
// prompts all day ("Thank you for calling…"); a hit costs a Map lookup instead of a synthesis.
import type { WordTiming } from './engine.js'

/** A segment's whole audio and when its words were spoken. */
export interface SegmentAudio {
  samples: Int16Array
  words: WordTiming[]
}

/** What an entry costs: its samples, and its words at about 40 bytes each. */
const sizeOf = (v: SegmentAudio) => v.samples.byteLength + v.words.length * 40

export class SegmentCache {
  private readonly entries = new Map<string, SegmentAudio>()
  private bytes = 0
  hits = 0
  misses = 0

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.bytes
  }

  get(key: string): SegmentAudio | undefined {
    const value = this.entries.get(key)
    if (!value) {
      this.misses++
      return undefined
    }
    this.hits++
    // Re-insert so that Map order stays least-recently-used first.
    this.entries.delete(key)
    this.entries.set(key, value)
    return value
  }

  clear(): void {
    this.entries.clear()
    this.bytes = 0
  }

  set(key: string, value: SegmentAudio): void {
    if (sizeOf(value) > this.maxBytes || this.entries.has(key)) return
    this.entries.set(key, value)
    this.bytes += sizeOf(value)
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break
      this.entries.delete(oldest)
      this.bytes -= sizeOf(old)
    }
  }
}
