// Counts kept in this process: every count without Redis, and the fallback while Redis is away.
//
// A durable count (a monthly quota) must not start from zero just because this process did not
// hold it: it starts from what the shared count last said here, and from the usage the database
// has recorded (asked again every RECHECK_MS while Redis is away, so other instances' use shows
// too). While the database cannot say either, a count may spend at most `allowance` units past
// what was last confirmed, and then refuses until one of them answers.

/** Rebuilds a durable count: the units its window has used, as recorded; throws when it cannot say. */
export type Recount = () => Promise<number>

export interface Count {
  bucket: string
  window: number | 'month'
  count: number
  expiresAt: number
  /** Units counted here that the shared count has not seen yet (sent when Redis is back). */
  unsynced: number
  /** The count includes what was used before this process counted (Redis or the database said). */
  known: boolean
  /** Units spent since the database last said what was used. */
  sinceCheck: number
  checkedAt: number
  /** The last attempt to ask the database succeeded. */
  checkOk: boolean
  checking: Promise<void> | null
}

export interface LocalHit {
  allowed: boolean
  count: number
  /** Set when refused for lack of a confirmed count rather than for the limit: retry this soon. */
  retryMs?: number
}

/** While Redis is away, how often a durable count is checked against the database. */
export const RECHECK_MS = 1000
const SWEEP_EVERY_MS = 10_000

export class LocalCounts {
  private readonly counts = new Map<string, Count>()
  private nextSweep = 0

  constructor(
    /** Redis is configured: what is counted here is to be added to it later. */
    private readonly shared: boolean,
    private readonly allowance: number,
  ) {}

  get(key: string): Count | undefined {
    return this.counts.get(key)
  }

  delete(key: string): void {
    this.counts.delete(key)
  }

  /** Counts that Redis has not seen yet. */
  unsynced(): Count[] {
    return [...this.counts.values()].filter((c) => c.unsynced > 0)
  }

  /**
   * Check then add. `base` is the last shared count seen for this window, if any; `recount` is
   * given for durable counts only.
   */
  async hit(key: string, o: { bucket: string; window: number | 'month'; amount: number; limit: number; end: number; now: number; base?: number; recount: Recount | null }): Promise<LocalHit> {
    this.sweep(o.now)
    let c = this.counts.get(key)
    if (!c || c.expiresAt <= o.now) {
      c = { bucket: o.bucket, window: o.window, count: o.base ?? 0, expiresAt: o.end, unsynced: 0, known: o.base !== undefined, sinceCheck: 0, checkedAt: -Infinity, checkOk: false, checking: null }
      this.counts.set(key, c)
    }
    if (o.recount) {
      // Without Redis this process is the count: one confirmation per window is enough.
      const due = !c.checkOk || this.shared ? RECHECK_MS : Infinity
      if (o.now - c.checkedAt >= due) await this.check(c, o.recount, o.now)
    }
    if (c.count + o.amount > o.limit) return { allowed: false, count: c.count }
    if (o.recount && !c.checkOk && c.sinceCheck + o.amount > this.allowance) {
      return { allowed: false, count: c.count, retryMs: RECHECK_MS }
    }
    c.count += o.amount
    c.sinceCheck += o.amount
    if (this.shared) c.unsynced += o.amount
    return { allowed: true, count: c.count }
  }

  /** Asks the database once for every caller waiting on the same count. */
  private check(c: Count, recount: Recount, now: number): Promise<void> {
    c.checking ??= (async () => {
      c.checkedAt = now
      try {
        const used = await recount()
        // What was spent here before the count was known is added: those rows could not be written.
        c.count = c.known ? Math.max(c.count, used) : used + c.count
        c.known = true
        c.checkOk = true
        c.sinceCheck = 0
      } catch {
        c.checkOk = false
      } finally {
        c.checking = null
      }
    })()
    return c.checking
  }

  /** Drops finished windows now and then, so one-off buckets (addresses) do not accumulate. */
  private sweep(now: number): void {
    if (now < this.nextSweep) return
    this.nextSweep = now + SWEEP_EVERY_MS
    for (const [k, c] of this.counts) if (c.expiresAt <= now && !c.checking) this.counts.delete(k)
  }
}
