// Usage rows, written off the request path: a buffer, written in batches, held through an outage.
import { isUnavailable, type Queryable } from './db.js'
import { touchKeys } from './keys.js'

/** One request, as the API saw it. */
export interface UsageRecord {
  /** The request id the logs show; makes a retried write idempotent. */
  requestId: string
  keyId: string | null
  voiceSlug?: string | null
  characters?: number
  audioMs?: number
  format?: string | null
  /** HTTP status answered. */
  status: number
  /** Time to first audio byte. */
  ttfaMs?: number | null
  totalMs?: number
  endpoint: string
  /** When the request happened; taken at record() time when absent, so buffered rows keep it. */
  createdAt?: Date
}

export interface UsageRecorderOptions {
  batchSize?: number
  intervalMs?: number
  /** Records held while the database is away; beyond this new records are dropped and counted. */
  maxBuffer?: number
  retryBaseMs?: number
  retryMaxMs?: number
  /** Also set api_keys.last_used_at for the keys in each batch. Default true. */
  touchKeys?: boolean
  onError?: (err: unknown) => void
}

/** A usage row, under the table's column names. */
interface Row {
  request_id: string
  key_id: string | null
  voice_slug: string | null
  characters: number
  audio_ms: number
  format: string | null
  status: number
  ttfa_ms: number | null
  total_ms: number
  endpoint: string
  created_at: Date
}

const int = (n: number | null | undefined, max = 2_147_483_647) =>
  n == null || !Number.isFinite(n) ? 0 : Math.min(max, Math.max(0, Math.round(n)))


function toRow(r: UsageRecord): Row {
  const createdAt = r.createdAt ?? new Date()
  return {
    request_id: r.requestId,
    key_id: r.keyId,
    voice_slug: r.voiceSlug ?? null,
    characters: int(r.characters),
    audio_ms: int(r.audioMs),
    format: r.format ?? null,
    status: int(r.status, 999),
    ttfa_ms: r.ttfaMs == null ? null : int(r.ttfaMs),
    total_ms: int(r.totalMs),
    endpoint: r.endpoint,
    created_at: createdAt,
  }
}

// Each column travels as one JSON array, zipped back into rows by ROWS FROM: eleven native
// JSON.stringify calls instead of escaping value by value in JavaScript, no key names repeated on
// every row, and one statement text whatever the batch size. Arrays are sent as text
// (::text::json), or the drivers would JSON-encode the string a second time.
const COLUMNS: ReadonlyArray<readonly [keyof Row, string]> = [
  ['request_id', 'text'], ['key_id', 'uuid'], ['voice_slug', 'text'], ['characters', 'int'], ['audio_ms', 'int'],
  ['format', 'text'], ['status', 'smallint'], ['ttfa_ms', 'int'], ['total_ms', 'int'], ['endpoint', 'text'],
  ['created_at', 'timestamptz'],
]
const NAMES = COLUMNS.map(([name]) => name).join(', ')
const INSERT = `INSERT INTO usage (${NAMES})
  SELECT ${COLUMNS.map(([name, type]) => `${name}::${type}`).join(', ')}
  FROM ROWS FROM (${COLUMNS.map((_, i) => `json_array_elements_text($${i + 1}::text::json)`).join(', ')}) AS r(${NAMES})
  ON CONFLICT (request_id) DO NOTHING`

async function insertRows(db: Queryable, rows: Row[]): Promise<void> {
  await db.query(INSERT, COLUMNS.map(([name]) => JSON.stringify(rows.map((row) => row[name]))))
}

/**
 * Keeps usage writes off the request path: record() only appends to a buffer, which is
 * written in batches. While the database is unavailable the buffer holds (up to maxBuffer)
 * and writes are retried with backoff, so no record is lost unless the buffer overflows.
 */
export class UsageRecorder {
  /** Records refused because the buffer was full. */
  dropped = 0
  /** Records the database refused as invalid (not an outage); retrying them would never succeed. */
  rejected = 0
  private buf: Row[] = []
  private timer: NodeJS.Timeout | null = null
  private timerDelay = 0
  private writing: Promise<void> | null = null
  private failures = 0
  private closed = false
  private readonly batchSize: number
  private readonly intervalMs: number
  private readonly maxBuffer: number
  private readonly retryBaseMs: number
  private readonly retryMaxMs: number
  private readonly touch: boolean
  private readonly onError: (err: unknown) => void

  constructor(
    private readonly db: Queryable,
    opts: UsageRecorderOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 500
    this.intervalMs = opts.intervalMs ?? 250
    this.maxBuffer = opts.maxBuffer ?? 100_000
    this.retryBaseMs = opts.retryBaseMs ?? 250
    this.retryMaxMs = opts.retryMaxMs ?? 10_000
    this.touch = opts.touchKeys ?? true
    this.onError = opts.onError ?? (() => {})
  }

  record(rec: UsageRecord): void {
    if (this.closed || this.buf.length >= this.maxBuffer) {
      this.dropped++
      return
    }
    this.buf.push(toRow(rec))
    if (this.writing) return // the write's end reschedules
    const full = this.buf.length >= this.batchSize && this.failures === 0
    if (!this.timer) this.setTimer(full ? 0 : this.intervalMs)
    else if (full && this.timerDelay > 0) this.setTimer(0)
  }

  /** Records not yet written. */
  pending(): number {
    return this.buf.length
  }

  /** True while the last write failed because the database was unavailable. */
  get backingOff(): boolean {
    return this.failures > 0
  }

  /**
   * Writes everything buffered, retrying through an outage until `timeoutMs` has passed.
   * Resolves with the number of records still not written (0 on success).
   */
  async flush(timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs
    this.clearTimer()
    while (this.buf.length > 0 || this.writing) {
      await this.step()
      if (this.buf.length === 0) break
      const wait = this.failures > 0 ? this.backoff() : 0
      if (Date.now() + wait >= deadline) break
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    }
    this.reschedule()
    return this.buf.length
  }

  /** Flushes, then refuses further records (counted as dropped). */
  async close(timeoutMs?: number): Promise<number> {
    const left = await this.flush(timeoutMs)
    this.closed = true
    this.clearTimer()
    return left
  }

  private setTimer(delay: number): void {
    this.clearTimer()
    this.timerDelay = delay
    this.timer = setTimeout(() => {
      this.timer = null
      void this.step().then(() => this.reschedule())
    }, delay)
    this.timer.unref() // buffered usage must not keep a finished process alive; flush() is for that
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private reschedule(): void {
    if (this.closed || this.writing || this.timer || this.buf.length === 0) return
    const delay =
      this.failures > 0 ? this.backoff() : this.buf.length >= this.batchSize ? 0 : this.intervalMs
    this.setTimer(delay)
  }

  private backoff(): number {
    const exp = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(20, this.failures - 1))
    return Math.round(exp * (0.5 + Math.random() * 0.5)) // jitter: instances must not retry in step
  }

  /** One write at a time; concurrent callers share it. */
  private step(): Promise<void> {
    this.writing ??= this.writeBatch().finally(() => {
      this.writing = null
    })
    return this.writing
  }

  private async writeBatch(): Promise<void> {
    // Only this method removes rows, and only from the front, so the batch stays at buf[0..n).
    const batch = this.buf.slice(0, this.batchSize)
    if (batch.length === 0) return
    try {
      await insertRows(this.db, batch)
    } catch (err) {
      this.onError(err)
      if (isUnavailable(err)) {
        this.failures++
        return
      }
      await this.writeOneByOne(batch)
      return
    }
    this.buf.splice(0, batch.length)
    this.failures = 0
    await this.touchKeys(batch)
  }

  /** A batch failed on its data: write rows singly so one bad row cannot block the rest forever. */
  private async writeOneByOne(batch: Row[]): Promise<void> {
    for (const row of batch) {
      try {
        await insertRows(this.db, [row])
      } catch (err) {
        if (isUnavailable(err)) {
          this.failures++
          return
        }
        this.onError(err)
        this.rejected++
      }
      this.buf.shift()
    }
    this.failures = 0
  }

  private async touchKeys(batch: Row[]): Promise<void> {
    if (!this.touch) return
    const last = new Map<string, Date>()
    for (const r of batch) {
      if (r.key_id === null) continue
      const seen = last.get(r.key_id)
      if (!seen || r.created_at > seen) last.set(r.key_id, r.created_at)
    }
    if (last.size === 0) return
    try {
      await touchKeys(this.db, last)
    } catch (err) {
      this.onError(err) // last_used_at is informational; the usage rows are already safe
    }
  }
}

