import type { Redis } from 'ioredis'
import type { RedisConn } from './redis.js'
import { utcMonth } from './calendar.js'

/** A window length in ms, or the calendar month (UTC) for monthly quotas. */
export type LimitWindow = number | 'month'

export interface HitResult {
  allowed: boolean
  limit: number
  /** What is left in this window after this hit. */
  remaining: number
  /** Milliseconds until the window resets. */
  resetMs: number
  /** Counted in process memory because Redis is configured but did not answer. */
  degraded: boolean
}

export interface LimiterOptions {
  now?: () => number
}

// Check then add, atomically: a refused hit consumes nothing, so a client over its quota
// cannot push the counter further and a large refused amount does not eat what is left.
const HIT_LUA = `
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
if c + amount > tonumber(ARGV[2]) then return {0, c} end
c = redis.call('INCRBY', KEYS[1], amount)
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {1, c}`

type HitCommand = Redis & {
  cwLimitHit(key: string, amount: number, limit: number, ttlMs: number): Promise<[number, number]>
}

/** Slack on key expiry so a key outlives its window even with some clock skew between hosts. */
const EXPIRY_SLACK_MS = 5_000
const SWEEP_EVERY_MS = 10_000

/**
 * Fixed-window counters in Redis under `${prefix}rl:${bucket}:${windowStart}`. Without Redis,
 * or while Redis fails, counts live in this process (per instance, so looser across
 * instances); each call tries Redis again once it is connected, so the limiter returns to
 * shared counts as soon as Redis answers.
 */
export class Limiter {
  private readonly local = new Map<string, { count: number; expiresAt: number }>()
  private nextSweep = 0
  private failed = false
  private readonly now: () => number

  constructor(
    private readonly redis: RedisConn | null,
    opts: LimiterOptions = {},
  ) {
    this.now = opts.now ?? Date.now
    redis?.client.defineCommand('cwLimitHit', { numberOfKeys: 1, lua: HIT_LUA })
    // A failure is forgotten when the connection is back, not only at the next command: with
    // allowances taken in blocks that may be a while, and /health would say degraded meanwhile.
    redis?.client.on('ready', () => {
      this.failed = false
    })
  }

  /** Redis is configured but limits are being counted locally. */
  get degraded(): boolean {
    return this.redis !== null && (this.failed || this.redis.client.status !== 'ready')
  }

  /** Where counts live right now. */
  get backend(): 'redis' | 'memory' {
    return this.redis && !this.degraded ? 'redis' : 'memory'
  }

  hit(bucket: string, limit: number, windowMs: number): Promise<HitResult> {
    return this.hitAmount(bucket, 1, limit, windowMs)
  }

  async hitAmount(bucket: string, amount: number, limit: number, window: LimitWindow): Promise<HitResult> {
    const now = this.now()
    const { start, end } = bounds(window, now)
    const key = `${this.redis?.prefix ?? ''}rl:${bucket}:${start}`
    let count: number | null = null
    let allowed = false
    if (this.redis && this.redis.client.status === 'ready') {
      try {
        const ttl = end - now + EXPIRY_SLACK_MS
        const [ok, c] = await (this.redis.client as HitCommand).cwLimitHit(key, amount, limit, ttl)
        ;[allowed, count] = [ok === 1, Number(c)]
        this.failed = false
      } catch {
        this.failed = true
      }
    }
    if (count === null) ({ allowed, count } = this.hitLocal(key, amount, limit, end, now))
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - count),
      resetMs: end - now,
      degraded: this.degraded,
    }
  }

  /** The count so far in the current window, consuming nothing (for usage reports). */
  async peek(bucket: string, window: LimitWindow): Promise<number> {
    const now = this.now()
    const { start } = bounds(window, now)
    const key = `${this.redis?.prefix ?? ''}rl:${bucket}:${start}`
    if (this.redis && this.redis.client.status === 'ready') {
      try {
        const v = await this.redis.client.get(key)
        this.failed = false
        return Number(v ?? 0)
      } catch {
        this.failed = true
      }
    }
    const e = this.local.get(key)
    return e && e.expiresAt > now ? e.count : 0
  }

  private hitLocal(key: string, amount: number, limit: number, end: number, now: number) {
    this.sweep(now)
    let e = this.local.get(key)
    if (!e || e.expiresAt <= now) {
      e = { count: 0, expiresAt: end }
      this.local.set(key, e)
    }
    if (e.count + amount > limit) return { allowed: false, count: e.count }
    e.count += amount
    return { allowed: true, count: e.count }
  }

  /** Drops finished windows now and then, so one-off buckets (IPs) do not accumulate. */
  private sweep(now: number): void {
    if (now < this.nextSweep) return
    this.nextSweep = now + SWEEP_EVERY_MS
    for (const [k, e] of this.local) if (e.expiresAt <= now) this.local.delete(k)
  }
}

function bounds(window: LimitWindow, now: number): { start: number; end: number } {
  if (window === 'month') return utcMonth(now)
  if (!(window > 0)) throw new RangeError('window must be a positive number of ms or "month"')
  const start = Math.floor(now / window) * window
  return { start, end: start + window }
}
