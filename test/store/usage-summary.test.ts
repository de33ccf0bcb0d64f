import { afterAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import type { Db } from '../../src/store/db.js'
import { UsageRecorder, type UsageRecord } from '../../src/store/usage-writer.js'
import { usageSummary } from '../../src/store/usage-summary.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'

const tdb: TestDatabase = await createTestDatabase()
const db: Db = await tdb.openMigrated()
afterAll(() => tdb.drop())

const fast = { intervalMs: 10, retryBaseMs: 10, retryMaxMs: 50 }

function rec(keyId: string | null, over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: randomUUID(), keyId, voiceSlug: 'slt', characters: 10, audioMs: 1500, format: 'wav',
    status: 200, ttfaMs: 40, totalMs: 90, endpoint: '/v1/tts', ...over,
  }
}
describe('usageSummary', () => {
  it('totals this calendar month (UTC) for one key, and by day', async () => {
    const key = randomUUID()
    const r = new UsageRecorder(db, { ...fast, touchKeys: false })
    const at = (iso: string) => new Date(iso)
    r.record(rec(key, { characters: 100, audioMs: 2000, createdAt: at('2031-03-01T00:00:00Z') }))
    r.record(rec(key, { characters: 50, audioMs: 500, createdAt: at('2031-03-01T23:59:59Z') }))
    r.record(rec(key, { characters: 7, audioMs: 250, status: 500, createdAt: at('2031-03-15T12:00:00Z') }))
    r.record(rec(key, { characters: 999, createdAt: at('2031-02-28T23:59:59Z') })) // last month
    r.record(rec(key, { characters: 999, createdAt: at('2031-04-01T00:00:00Z') })) // next month
    r.record(rec(randomUUID(), { characters: 999, createdAt: at('2031-03-02T00:00:00Z') })) // another key
    expect(await r.close()).toBe(0)

    const s = await usageSummary(db, key, at('2031-03-20T08:00:00Z'))
    expect(s).toEqual({
      periodStart: at('2031-03-01T00:00:00Z'),
      periodEnd: at('2031-04-01T00:00:00Z'),
      requests: 3,
      characters: 157,
      audioSeconds: 2.75,
      byDay: [
        { date: '2031-03-01', requests: 2, characters: 150, audioSeconds: 2.5 },
        { date: '2031-03-15', requests: 1, characters: 7, audioSeconds: 0.25 },
      ],
    })
    expect((await usageSummary(db, randomUUID(), at('2031-03-20T08:00:00Z'))).requests).toBe(0)
  })
})
