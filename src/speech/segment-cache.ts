// Least-recently-used cache of whole-segment audio, bounded in bytes. Phone systems say the same
// prompts all day ("Thank you for calling…"); a hit costs a Map lookup instead of a synthesis.
import type { WordTiming } from './engine.js'

/** A segment's whole audio and, when they were asked for, when its words were spoken. */
export interface SegmentAudio {
  samples: Int16Array
  words: WordTiming[] | null
}

/** What an entry costs: its samples, and its words at about 40 bytes each. */
const sizeOf = (v: SegmentAudio) => v.samples.byteLength + (v.words?.length ?? 0) * 40

export class SegmentCache {
  private readonly entries = new Map<string, SegmentAudio>()
  private bytes = 0
  hits = 0
  misses = 0

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.bytes
  }

  /** The entry for `key`; with `words`, only one that has them. */
  get(key: string, words = false): SegmentAudio | undefined {
    const value = this.entries.get(key)
    if (!value || (words && !value.words)) {
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

  /** Keeps `value`, in place of an entry for the same key that has no words when it has them. */
  set(key: string, value: SegmentAudio): void {
    const old = this.entries.get(key)
    if (old && (old.words || !value.words)) return
    if (old) {
      this.entries.delete(key)
      this.bytes -= sizeOf(old)
    }
    if (sizeOf(value) > this.maxBytes) return
    this.entries.set(key, value)
    this.bytes += sizeOf(value)
    for (const [oldest, evicted] of this.entries) {
      if (this.bytes <= this.maxBytes) break
      this.entries.delete(oldest)
      this.bytes -= sizeOf(evicted)
    }
  }
}
