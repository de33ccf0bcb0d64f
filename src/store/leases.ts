// Limits counted in Redis in blocks. Asking Redis on every request costs a round trip and, on a
// busy instance, most of a core in socket writes; instead an instance takes a block of a bucket's
// allowance at once (atomically, through the same check-then-add script, so the shared count never
// passes the limit) and spends it locally. A block is at most 1% of the limit, so an instance holds
// back at most that much: across N instances a client can be refused up to N% early, never let
// through late. Small limits (under 200) are counted one by one, exactly as before.
//
// A bucket refused outright (nothing left in its window) is remembered until the window ends:
// fixed-window counts only grow, so the answer cannot change, and a flood over its limit then
// costs no Redis call at all.
import type { HitResult, LimitWindow, Limiter } from './limits.js'
import { utcMonth } from './calendar.js'

interface Lease {
  limit: number
  /** When the window the units belong to ends (this process's clock). */
  windowEnd: number
  /** Units taken from the shared count and not yet spent here. */
  left: number
  /** What the shared count had left when the units were taken. */
  remaining: number
  /** The window is used up: refuse without asking. */
  exhausted: boolean
  /** A block being fetched; callers that find the lease empty wait for it. */
  pending: Promise<void> | null
}

/** Below this a limit is counted exactly, one hit per request. */
const MIN_LEASED_LIMIT = 200
const SWEEP_EVERY_MS = 10_000

export function blockSize(limit: number, amount: number): number {
  if (limit < MIN_LEASED_LIMIT) return amount
  return Math.max(amount, Math.min(Math.floor(limit / 100), amount * 100))
}

/** The end of the window holding `t`, computed as the Limiter computes it. */
function windowEnd(window: LimitWindow, t: number): number {
  return window === 'month' ? utcMonth(t).end : (Math.floor(t / window) + 1) * window
}

export class LeasedLimiter {
  private readonly leases = new Map<string, Lease>()
  private nextSweep = 0
  private generation: number

  constructor(
    private readonly limiter: Limiter,
    private readonly now: () => number = Date.now,
  ) {
    this.generation = limiter.generation
  }

  /**
   * The shared count for the current window less what this instance holds unspent: what has
   * really been used, as far as this instance can tell (for usage reports).
   */
  async used(bucket: string, window: LimitWindow): Promise<number> {
    const counted = await this.limiter.peek(bucket, window)
    const lease = this.leases.get(bucket)
    const unspent = lease && this.now() < lease.windowEnd ? lease.left : 0
    return Math.max(0, counted - unspent)
  }

  /** Spends `amount` of the bucket's allowance for this window, or says no. */
  async take(bucket: string, amount: number, limit: number, window: LimitWindow): Promise<HitResult> {
    // Redis came back without its counts: blocks taken from them were never counted again.
    if (this.limiter.generation !== this.generation) {
      this.generation = this.limiter.generation
      this.leases.clear()
    }
    for (;;) {
      const t = this.now()
      this.sweep(t)
      let lease = this.leases.get(bucket)
      if (lease && (t >= lease.windowEnd || lease.limit !== limit)) {
        this.leases.delete(bucket)
        lease = undefined
      }
      if (lease?.exhausted) return this.result(false, lease, t, 0)
      if (lease && lease.left >= amount) {
        lease.left -= amount
        return this.result(true, lease, t, lease.remaining + lease.left)
      }
      if (lease?.pending) {
        await lease.pending
        continue
      }
      return this.fetch(bucket, lease, amount, limit, window)
    }
  }

  /**
   * Returns units a request took and did not use after all (it failed before any audio). They go
   * back into this instance's block and are spent here first; the shared count is not lowered, so
   * the limit still cannot be passed. Units from a window that has ended since are dropped (a lease
   * still fetching its first block has no window yet, and fetch() clears what it holds).
   */
  giveBack(bucket: string, amount: number): void {
    const lease = this.leases.get(bucket)
    if (!lease || this.now() >= lease.windowEnd) return
    lease.left += amount
    lease.exhausted = false
  }

  private async fetch(bucket: string, old: Lease | undefined, amount: number, limit: number, window: LimitWindow): Promise<HitResult> {
    const lease: Lease = old ?? { limit, windowEnd: Infinity, left: 0, remaining: limit, exhausted: false, pending: null }
    this.leases.set(bucket, lease)
    let done!: () => void
    lease.pending = new Promise((resolve) => (done = resolve))
    try {
      const block = blockSize(limit, amount)
      // Taken before asking: should the window turn during the call, the lease just ends early.
      const end = windowEnd(window, this.now())
      let hit = await this.limiter.hitAmount(bucket, block, limit, window)
      let taken = block
      if (!hit.allowed && block > amount) {
        hit = await this.limiter.hitAmount(bucket, amount, limit, window)
        taken = amount
      }
      // Units held from a window that has ended since are worth nothing now.
      if (end !== lease.windowEnd) lease.left = 0
      lease.windowEnd = end
      lease.remaining = hit.remaining
      if (!hit.allowed) {
        lease.exhausted = hit.remaining <= 0
        return { ...hit, remaining: hit.remaining + lease.left }
      }
      lease.left += taken - amount
      return { ...hit, remaining: hit.remaining + lease.left }
    } finally {
      lease.pending = null
      done()
    }
  }

  private result(allowed: boolean, lease: Lease, t: number, remaining: number): HitResult {
    return { allowed, limit: lease.limit, remaining, resetMs: Math.max(0, lease.windowEnd - t), degraded: this.limiter.degraded }
  }

  /** Drops leases of finished windows, so one-off buckets (addresses) do not accumulate. */
  private sweep(t: number): void {
    if (t < this.nextSweep) return
    this.nextSweep = t + SWEEP_EVERY_MS
    for (const [bucket, lease] of this.leases) if (t >= lease.windowEnd && !lease.pending) this.leases.delete(bucket)
  }
}
