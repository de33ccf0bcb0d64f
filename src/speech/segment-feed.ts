// Segments that arrive over time (text streamed in by an agent as an LLM writes it), for the
// synthesizer to take one after another as they come. An array is a feed that has already ended.
import type { Segment } from './read.js'

export class SegmentFeed {
  private readonly items: Segment[] = []
  private ended = false
  private waiters: (() => void)[] = []
  private listener: (() => void) | null = null

  static of(segments: readonly Segment[]): SegmentFeed {
    const feed = new SegmentFeed()
    feed.push(...segments)
    feed.end()
    return feed
  }

  push(...segments: Segment[]): void {
    if (this.ended || segments.length === 0) return
    this.items.push(...segments)
    this.wake()
  }

  /** No segment will follow. */
  end(): void {
    if (this.ended) return
    this.ended = true
    this.wake()
  }

  get done(): boolean {
    return this.ended
  }

  get length(): number {
    return this.items.length
  }

  /** The i-th segment if it has arrived. */
  peek(i: number): Segment | undefined {
    return this.items[i]
  }

  /** The i-th segment once it arrives; undefined when the feed ends without it. */
  async at(i: number): Promise<Segment | undefined> {
    while (i >= this.items.length && !this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve))
    return this.items[i]
  }

  /** Called whenever segments arrive (the synthesizer starts its look-ahead on them). */
  onPush(listener: (() => void) | null): void {
    this.listener = listener
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
    this.listener?.()
  }
}
