import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { RedisConn } from './redis.js'
import { utcMonth } from './calendar.js'
import { LocalCounts, type LocalHit } from './local-counts.js'

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
  /**
   * How to learn what a monthly bucket has used, as recorded elsewhere (the usage rows): a count
   * Redis does not hold, or one counted here, starts from it. Null for a bucket it does not know.
   */
  recount?: (bucket: string) => ((start: number, end: number) => Promise<number>) | null
  /** Units a monthly bucket may spend per instance while neither Redis nor `recount` can say. */
  outageAllowance?: number
}

// Check then add, atomically: a refused hit consumes nothing, so a client over its quota
// cannot push the counter further and a large refused amount does not eat what is left.
// A monthly count that Redis does not hold (restarted empty) is not taken as zero: the script
// answers -1 and is called again with a seed rebuilt from the usage rows. Units counted in an
// instance while Redis was away (ARGV[5]) are added first.
const HIT_LUA = `
local v = redis.call('GET', KEYS[1])
if not v then
  if ARGV[6] == '1' then
    if ARGV[4] == '' then return {-1, 0} end
    redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[3])
    v = ARGV[4]
  end
elseif tonumber(ARGV[5]) > 0 then
  v = redis.call('INCRBY', KEYS[1], ARGV[5])
end
local c = tonumber(v or '0')
local amount = tonumber(ARGV[1])
if c + amount > tonumber(ARGV[2]) then return {0, c} end
if amount > 0 then c = redis.call('INCRBY', KEYS[1], amount) end
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {1, c}`

// Marks one life of the Redis data: a different (or no) value after a reconnect means Redis
// restarted without its data, so blocks leased from the old counts are void.
const EPOCH_LUA = `
local v = redis.call('GET', KEYS[1])
if not v then redis.call('SET', KEYS[1], ARGV[1]); v = ARGV[1] end
return v`

type LimitCommands = Redis & {
  cwLimitHit(key: string, amount: number, limit: number, ttlMs: number, seed: string, unsynced: number, durable: number): Promise<[number, number]>
  cwLimitEpoch(key: string, mine: string): Promise<string>
}

/** Slack on key expiry so a key outlives its window even with some clock skew between hosts. */
const EXPIRY_SLACK_MS = 5_000
const DEFAULT_OUTAGE_ALLOWANCE = 1000

/**
 * Fixed-window counters in Redis under `${prefix}rl:${bucket}:${windowStart}`. Without Redis,
 * or while Redis fails, counts live in this process (local-counts.ts: per instance, so looser
 * across instances, and monthly counts rebuilt from the usage rows); each call tries Redis again
 * once it is connected, so the limiter returns to shared counts as soon as Redis answers.
 */
export class Limiter {
  /** Changes each time Redis comes back without the data it had: leased blocks are void then. */
  generation = 0
  private readonly local: LocalCounts
  /** The last shared count seen of each monthly bucket: where a local count starts in an outage. */
  private readonly seen = new Map<string, { count: number; expiresAt: number }>()
  private failed = false
  private epoch: string | null = null
  private readonly now: () => number
  private readonly recount: NonNullable<LimiterOptions['recount']>

  constructor(
    private readonly redis: RedisConn | null,
    opts: LimiterOptions = {},
  ) {
    this.now = opts.now ?? Date.now
    this.recount = opts.recount ?? (() => null)
    this.local = new LocalCounts(redis !== null, opts.outageAllowance ?? DEFAULT_OUTAGE_ALLOWANCE)
    redis?.client.defineCommand('cwLimitHit', { numberOfKeys: 1, lua: HIT_LUA })
    redis?.client.defineCommand('cwLimitEpoch', { numberOfKeys: 1, lua: EPOCH_LUA })
    // A failure is forgotten when the connection is back, not only at the next command: with
    // allowances taken in blocks that may be a while, and /health would say degraded meanwhile.
    redis?.client.on('ready', () => {
      this.failed = false
      void this.reconnected()
    })
    if (redis?.client.status === 'ready') void this.reconnected()
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
    const key = this.key(bucket, start)
    const from = window === 'month' ? this.recount(bucket) : null
    const recount = from && (() => from(start, end))
    let r = this.redis && this.redis.client.status === 'ready' ? await this.hitShared(key, amount, limit, end - now, recount) : null
    r ??= await this.local.hit(key, { bucket, window, amount, limit, end, now, base: this.seen.get(key)?.count, recount })
    return {
      allowed: r.allowed,
      limit,
      remaining: Math.max(0, limit - r.count),
      resetMs: r.retryMs ?? end - now,
      degraded: this.degraded,
    }
  }

  /** The count so far in the current window, consuming nothing (for usage reports). */
  async peek(bucket: string, window: LimitWindow): Promise<number> {
    const now = this.now()
    const key = this.key(bucket, bounds(window, now).start)
    if (this.redis && this.redis.client.status === 'ready') {
      try {
        const v = await this.redis.client.get(key)
        this.failed = false
        return Number(v ?? 0)
      } catch {
        this.failed = true
      }
    }
    const c = this.local.get(key)
    return c && c.expiresAt > now ? c.count : 0
  }

  private key(bucket: string, start: number): string {
    return `${this.redis?.prefix ?? ''}rl:${bucket}:${start}`
  }

  /** The hit counted in Redis, or null when it has to be counted here. */
  private async hitShared(key: string, amount: number, limit: number, leftMs: number, recount: (() => Promise<number>) | null): Promise<LocalHit | null> {
    const client = this.redis!.client as LimitCommands
    const ttl = leftMs + EXPIRY_SLACK_MS
    const pending = this.local.get(key) // counted here while Redis was away
    // Taken out while in flight, so a concurrent call does not send the same units again.
    const unsynced = pending?.unsynced ?? 0
    if (pending) pending.unsynced = 0
    const unsent = () => {
      if (pending) pending.unsynced += unsynced
      return null
    }
    const call = (seed: string) => client.cwLimitHit(key, amount, limit, ttl, seed, unsynced, recount ? 1 : 0)
    let r: [number, number]
    try {
      r = await call('')
      if (r[0] === -1) {
        let seed: number
        try {
          seed = await recount!()
        } catch {
          return unsent() // neither Redis nor the database can say: the local allowance decides
        }
        if (pending) seed = pending.known ? Math.max(seed, pending.count) : seed + pending.count
        r = await call(String(seed))
      }
    } catch {
      this.failed = true
      return unsent()
    }
    this.failed = false
    if (pending) this.local.delete(key)
    const count = Number(r[1])
    if (recount) this.seen.set(key, { count, expiresAt: this.now() + leftMs })
    return { allowed: r[0] === 1, count }
  }

  /**
   * Redis answers again: were its counts kept? Then what was counted here meanwhile is added to
   * them; if not, leased blocks are void and monthly counts are rebuilt at their next use.
   */
  private async reconnected(): Promise<void> {
    const client = this.redis!.client as LimitCommands
    try {
      const epoch = await client.cwLimitEpoch(`${this.redis!.prefix}rl:epoch`, randomUUID())
      if (this.epoch !== null && epoch !== this.epoch) this.generation++
      this.epoch = epoch
      for (const c of this.local.unsynced()) await this.hitAmount(c.bucket, 0, Number.MAX_SAFE_INTEGER, c.window)
    } catch {
      // Gone again; the next 'ready' tries again.
    }
    const now = this.now()
    for (const [k, s] of this.seen) if (s.expiresAt <= now) this.seen.delete(k)
  }
}

function bounds(window: LimitWindow, now: number): { start: number; end: number } {
  if (window === 'month') return utcMonth(now)
  if (!(window > 0)) throw new RangeError('window must be a positive number of ms or "month"')
  const start = Math.floor(now / window) * window
  return { start, end: start + window }
}
