// Verified keys, by SHA-256, for a short time: a request with a known key then costs no database
// query. A revocation message drops the key at once. Past its freshness an entry is kept a while
// longer, to be used only while the database cannot be reached, so known clients keep working
// through a short outage.
import type { ApiKey } from '../store/keys.js'

interface Entry {
  key: ApiKey
  verifiedAt: number
}

export interface KeyCacheOptions {
  freshMs?: number
  staleMs?: number
  maxEntries?: number
  now?: () => number
}

export class KeyCache {
  private readonly entries = new Map<string, Entry>()
  private readonly freshMs: number
  private readonly staleMs: number
  private readonly maxEntries: number
  private readonly now: () => number

  constructor(opts: KeyCacheOptions = {}) {
    this.freshMs = opts.freshMs ?? 30_000
    this.staleMs = opts.staleMs ?? 15 * 60_000
    this.maxEntries = opts.maxEntries ?? 10_000
    this.now = opts.now ?? Date.now
  }

  /** A key verified within freshMs. */
  fresh(hash: string): ApiKey | undefined {
    const e = this.entries.get(hash)
    return e && this.now() - e.verifiedAt < this.freshMs ? e.key : undefined
  }

  /** A key verified within staleMs: for when the database is down. */
  stale(hash: string): ApiKey | undefined {
    const e = this.entries.get(hash)
    return e && this.now() - e.verifiedAt < this.staleMs ? e.key : undefined
  }

  set(hash: string, key: ApiKey): void {
    this.entries.delete(hash) // re-insert: Map order is oldest first
    this.entries.set(hash, { key, verifiedAt: this.now() })
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break
      this.entries.delete(oldest)
    }
  }

  delete(hash: string): void {
    this.entries.delete(hash)
  }

  /** Drops every entry of a key id (revocation). */
  dropId(id: string): void {
    for (const [hash, e] of this.entries) if (e.key.id === id) this.entries.delete(hash)
  }

  clear(): void {
    this.entries.clear()
  }
}
