import { afterAll, describe, expect, it, vi } from 'vitest'
import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { DatabaseUnavailableError, type Db, type Queryable } from '../../src/store/db.js'
import { createKey, listKeys } from '../../src/store/keys.js'
import { UsageRecorder, type UsageRecord } from '../../src/store/usage-writer.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'

const tdb: TestDatabase = await createTestDatabase()
const db: Db = await tdb.openMigrated()
afterAll(() => tdb.drop())

// Decided before the suite runs: the helper gives a real server exactly when DATABASE_URL is set.
const onPostgres = Boolean(process.env.DATABASE_URL)

const fast = { intervalMs: 10, retryBaseMs: 10, retryMaxMs: 50 }

function rec(keyId: string | null, over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: randomUUID(), keyId, voiceSlug: 'slt', characters: 10, audioMs: 1500, format: 'wav',
    status: 200, ttfaMs: 40, totalMs: 90, endpoint: '/v1/tts', ...over,
  }
}

async function countFor(keyId: string): Promise<number> {
  const [{ c }] = await db.query<{ c: number }>('SELECT count(*)::int AS c FROM usage WHERE key_id = $1', [keyId])
  return c
}

/**
 * The real database behind a switch: while `down`, every statement fails the way an
 * unreachable server does. `loseReply` runs the next statement for real, then fails it,
 * as when the connection drops after COMMIT but before the answer arrives.
 */
function outage(real: Queryable) {
  const state = { down: false, loseReply: 0, attempts: 0 }
  const db: Queryable = {
    async query<T>(text: string, params?: unknown[]) {
      state.attempts++
      if (state.down) throw new DatabaseUnavailableError('database unavailable: connect ECONNREFUSED')
      const rows = await real.query<T>(text, params)
      if (state.loseReply > 0) {
        state.loseReply--
        throw new DatabaseUnavailableError('database unavailable: CONNECTION_CLOSED')
      }
      return rows
    },
    exec: (text) => real.exec(text),
  }
  return { db, state }
}

describe('UsageRecorder', () => {
  it('writes records in batches off the request path, once each', async () => {
    const key = randomUUID()
    const r = new UsageRecorder(db, { ...fast, batchSize: 100, touchKeys: false })
    const dup = rec(key)
    for (let i = 0; i < 1234; i++) r.record(rec(key))
    r.record(dup)
    r.record(dup) // the same request twice counts once
    expect(r.pending()).toBe(1236) // nothing was awaited
    await vi.waitFor(() => expect(r.pending()).toBe(0), { timeout: 20_000, interval: 20 })
    expect(await countFor(key)).toBe(1235)
    await r.close()
  })

  it('loses nothing while the database is away, and writes it all when it returns', async () => {
    const key = randomUUID()
    const { db: flaky, state } = outage(db)
    const errors: unknown[] = []
    const r = new UsageRecorder(flaky, { ...fast, batchSize: 50, touchKeys: false, onError: (e) => errors.push(e) })
    state.down = true
    for (let i = 0; i < 1000; i++) r.record(rec(key, { characters: i }))
    await vi.waitFor(() => expect(state.attempts).toBeGreaterThan(3), { interval: 10 })
    expect(r.backingOff).toBe(true)
    expect(r.pending()).toBe(1000)
    expect(errors.every((e) => e instanceof DatabaseUnavailableError)).toBe(true)
    for (let i = 1000; i < 1500; i++) r.record(rec(key, { characters: i })) // still arriving during the outage
    expect(await r.flush(100)).toBe(1500) // a bounded flush gives up and says how many wait

    state.down = false
    state.loseReply = 1 // and the first write after recovery commits but looks failed
    await vi.waitFor(() => expect(r.pending()).toBe(0), { timeout: 20_000, interval: 20 })
    expect(await countFor(key)).toBe(1500)
    const [{ s }] = await db.query<{ s: number }>('SELECT sum(characters)::float8 AS s FROM usage WHERE key_id = $1', [key])
    expect(s).toBe((1499 * 1500) / 2) // every record, none twice
    expect(r.dropped).toBe(0)
    expect(r.backingOff).toBe(false)
    await r.close()
  })

  it('drops and counts records beyond a full buffer', async () => {
    const key = randomUUID()
    const { db: flaky, state } = outage(db)
    const r = new UsageRecorder(flaky, { ...fast, maxBuffer: 100, touchKeys: false })
    state.down = true
    for (let i = 0; i < 150; i++) r.record(rec(key))
    expect(r.pending()).toBe(100)
    expect(r.dropped).toBe(50)
    state.down = false
    expect(await r.flush()).toBe(0)
    expect(await countFor(key)).toBe(100)
    await r.close()
  })

  it('sets aside a record the database refuses, writing the rest', async () => {
    const key = randomUUID()
    const r = new UsageRecorder(db, { ...fast, touchKeys: false })
    r.record(rec(key))
    r.record(rec('not-a-uuid'))
    r.record(rec(key))
    expect(await r.flush()).toBe(0)
    expect(r.rejected).toBe(1)
    expect(await countFor(key)).toBe(2)
    await r.close()
  })

  it('marks the keys it saw as used', async () => {
    const { row } = await createKey(db, { name: 'metered' })
    const r = new UsageRecorder(db, fast)
    const at = new Date(Date.now() - 60_000)
    r.record(rec(row.id, { createdAt: at }))
    r.record(rec(null))
    expect(await r.close()).toBe(0)
    expect((await listKeys(db)).find((k) => k.id === row.id)?.lastUsedAt).toEqual(at)
    r.record(rec(row.id)) // closed: refused and counted
    expect(r.dropped).toBe(1)
  })

  it.runIf(onPostgres)('rides out a real PostgreSQL refusing connections', async () => {
    const key = randomUUID()
    const name = new URL(tdb.url!).pathname.slice(1)
    const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
    const own = await tdb.open() // its own pool, so its connections are the ones cut
    const errors: unknown[] = []
    const r = new UsageRecorder(own, { ...fast, touchKeys: false, onError: (e) => errors.push(e) })
    try {
      await own.ping()
      await admin.unsafe(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`)
      await admin.unsafe('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name])
      for (let i = 0; i < 300; i++) r.record(rec(key))
      await vi.waitFor(() => expect(errors.length).toBeGreaterThan(2), { timeout: 10_000, interval: 20 })
      expect(errors.every((e) => e instanceof DatabaseUnavailableError)).toBe(true)
      expect(r.pending()).toBe(300)
    } finally {
      await admin.unsafe(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`)
      await admin.end()
    }
    await vi.waitFor(() => expect(r.pending()).toBe(0), { timeout: 20_000, interval: 20 })
    expect(await countFor(key)).toBe(300)
    await r.close()
    await own.close()
  })
})
