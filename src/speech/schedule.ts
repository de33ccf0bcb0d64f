// Which waiting segment a free synthesis worker takes next. Speech someone is hearing in real
// time (a call, a /v1/speak socket) has a deadline: the moment the audio its consumer already holds
// runs out. The most urgent of those goes first, earliest deadline first: a new call's first
// segment is due the moment it is asked for, so it passes every other consumer's look-ahead, and a
// consumer whose next segment is due in four seconds waits behind one about to run dry.
//
// REST work has only a soft deadline (a client waits, nobody is listening yet): it runs when no live
// segment is due within the horizon, first segments before the rest, each group in order of
// arrival. So a REST flood fills the gaps between live deadlines and never pushes one back, and a
// live consumer that is far ahead lends its turn to REST rather than synthesizing further ahead.
// With nothing else waiting a worker never idles: the look-ahead due latest still runs.

/** `live`: heard as it is made; `high`: a REST request's first segment; `normal`: the rest. */
export type Priority = 'live' | 'high' | 'normal'

/**
 * A live segment due further away than this yields to REST work. Larger than a segment's
 * synthesis (segments are cut to about 150 ms of engine time, costs.ts) plus the wait for a worker
 * to come free, so a live segment that becomes urgent is still made in time.
 */
export const LIVE_HORIZON_MS = 1000

export interface Scheduled {
  /** When (performance.now() ms) a live segment's audio is needed; read when a worker comes free. */
  due?: () => number
}

export class Schedule<T extends Scheduled> {
  private readonly live: T[] = []
  private readonly high: T[] = []
  private readonly normal: T[] = []

  get size(): number {
    return this.live.length + this.high.length + this.normal.length
  }

  add(item: T, priority: Priority): void {
    this[priority].push(item)
  }

  /** False when the item was not waiting (it already ran). */
  remove(item: T): boolean {
    for (const queue of [this.live, this.high, this.normal]) {
      const index = queue.indexOf(item)
      if (index >= 0) return queue.splice(index, 1).length > 0
    }
    return false
  }

  /** Everything waiting, taken out (the pool is closing). */
  drain(): T[] {
    return [...this.live.splice(0), ...this.high.splice(0), ...this.normal.splice(0)]
  }

  /** The item a free worker should run at `now`, taken out; undefined when none waits. */
  next(now: number): T | undefined {
    let soonest = -1
    let soonestDue = Infinity
    for (let i = 0; i < this.live.length; i++) {
      // A deadline can move while an item waits (its consumer ran dry, or got audio from the cache).
      const due = this.live[i].due?.() ?? now
      if (due < soonestDue) [soonest, soonestDue] = [i, due]
    }
    const urgent = soonest >= 0 && soonestDue <= now + LIVE_HORIZON_MS
    if (!urgent) {
      const rest = this.high.shift() ?? this.normal.shift()
      if (rest) return rest
    }
    return soonest >= 0 ? this.live.splice(soonest, 1)[0] : undefined
  }
}
