// Least-recently-used cache of whole-segment audio, bounded in bytes. Phone systems say the same
// prompts all day ("Thank you for calling…"); a hit costs a Map lookup instead of a synthesis.
export class SegmentCache {
  private readonly entries = new Map<string, Int16Array>()
  private bytes = 0
  hits = 0
  misses = 0

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.bytes
  }

  get(key: string): Int16Array | undefined {
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

  set(key: string, value: Int16Array): void {
    if (value.byteLength > this.maxBytes || this.entries.has(key)) return
    this.entries.set(key, value)
    this.bytes += value.byteLength
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break
      this.entries.delete(oldest)
      this.bytes -= old.byteLength
    }
  }
}
