// Every API key, by the SHA-256 of its plain text, in memory: a request is judged without a query,
// and a key that works keeps working whatever else comes from its address (a flood of wrong keys
// is limited apart from it, in auth.ts) and through a database outage.
//
// A hash not held here may be a key made since the last load (by the CLI, psql, or another
// instance): it is looked up, but in batches, at most one query per `lookupGapMs` whatever the
// number of unknown keys arriving, so random keys cannot hammer the database. The whole table is
// read again every `reloadMs` (and when the owner says messages may have been missed), which
// bounds how long a revocation whose message was lost goes unseen.
import { keysByHash, type ApiKey } from './keys.js'
import type { Queryable } from './db.js'

export interface KeyDirectoryOptions {
  reloadMs?: number
  lookupGapMs?: number
}

interface Waiter {
  resolve(key: ApiKey | null): void
  reject(err: unknown): void
}

/** The most hashes one lookup asks for; the rest wait for the next one. */
const MAX_BATCH = 1000

export class KeyDirectory {
  private byHash = new Map<string, ApiKey>()
  /** Ids revoked by message: a read that began before the revocation must not bring them back. */
  private readonly revokedIds = new Set<string>()
  private waiting = new Map<string, Waiter[]>()
  private timer: NodeJS.Timeout | null = null
  private looking = false
  private lastLookup = -Infinity
  private reloader: NodeJS.Timeout | null = null
  private readonly reloadMs: number
  private readonly lookupGapMs: number

  constructor(
    private readonly db: Queryable,
    opts: KeyDirectoryOptions = {},
  ) {
    this.reloadMs = opts.reloadMs ?? 30_000
    this.lookupGapMs = opts.lookupGapMs ?? 200
  }

  /** Reads every key; then again every reloadMs. Rejects if the first read fails. */
  async start(): Promise<void> {
    await this.reload()
    this.reloader = setInterval(() => void this.reload().catch(() => {}), this.reloadMs)
    this.reloader.unref()
  }

  async reload(): Promise<void> {
    this.byHash = new Map((await keysByHash(this.db)).map(([hash, key]) => [hash, this.checked(key)]))
  }

  /** The key with this hash (revoked ones too: check revokedAt) if it is held here. */
  get(hash: string): ApiKey | undefined {
    return this.byHash.get(hash)
  }

  /**
   * A hash not held here, from the database: the key, or null when there is none. Rejects
   * (DatabaseUnavailableError) when the database cannot say.
   */
  find(hash: string): Promise<ApiKey | null> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(hash)
      if (list) list.push({ resolve, reject })
      else this.waiting.set(hash, [{ resolve, reject }])
      this.schedule()
    })
  }

  /** A revocation message: the key is refused from now on. */
  revoked(id: string): void {
    this.revokedIds.add(id)
    for (const [hash, key] of this.byHash) if (key.id === id && !key.revokedAt) this.byHash.set(hash, { ...key, revokedAt: new Date() })
  }

  close(): void {
    if (this.reloader) clearInterval(this.reloader)
    if (this.timer) clearTimeout(this.timer)
    this.reloader = this.timer = null
  }

  private checked(key: ApiKey): ApiKey {
    return key.revokedAt || !this.revokedIds.has(key.id) ? key : { ...key, revokedAt: new Date() }
  }

  private schedule(): void {
    if (this.timer || this.looking || this.waiting.size === 0) return
    const wait = Math.max(0, this.lastLookup + this.lookupGapMs - performance.now())
    this.timer = setTimeout(() => {
      this.timer = null
      void this.lookup()
    }, wait)
  }

  private async lookup(): Promise<void> {
    this.looking = true
    this.lastLookup = performance.now()
    const batch = [...this.waiting].slice(0, MAX_BATCH)
    for (const [hash] of batch) this.waiting.delete(hash)
    try {
      for (const [hash, key] of await keysByHash(this.db, batch.map(([hash]) => hash))) this.byHash.set(hash, this.checked(key))
      for (const [hash, waiters] of batch) for (const w of waiters) w.resolve(this.byHash.get(hash) ?? null)
    } catch (err) {
      for (const [, waiters] of batch) for (const w of waiters) w.reject(err)
    } finally {
      this.looking = false
      this.schedule()
    }
  }
}
