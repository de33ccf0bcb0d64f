// POST /v1/tts at a fixed rate for FAULT_LOAD_SECONDS (default 3 s here; the 30 s is
// `FAULT_LOAD_SECONDS=30 npx vitest run test/faults/load.test.ts`): no 5xx, every request answered,
// and after the usage buffer is flushed, one usage row per successful response.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { loadSeconds } from '../helpers/fault-net.js'
import { describeLoad, fiveHundreds, paced, ttsSender } from '../helpers/fault-load.js'

const RATE = 25 // requests a second: well inside what two synthesis workers on a small CI machine serve
let t: TestApp

beforeAll(async () => {
  t = await startApp({ ipRequestsPerMinute: 1_000_000 })
})
afterAll(() => t?.close())

async function usageRows(keyPrefix: string): Promise<Map<number, number>> {
  const rows = await t.shared.raw.query<{ status: number; n: number }>(
    'SELECT u.status, count(*)::int AS n FROM usage u JOIN api_keys k ON k.id = u.key_id WHERE k.key_prefix = $1 GROUP BY 1', [keyPrefix])
  return new Map(rows.map((r) => [Number(r.status), Number(r.n)]))
}

describe(`load: ${RATE} POST /v1/tts a second`, () => {
  it('answers every request without a 5xx and meters each successful one', async () => {
    const key = await t.key()
    const seconds = loadSeconds()
    const r = await paced({ rate: RATE, seconds, send: ttsSender(t.url, key) })
    console.log(describeLoad(`load ${seconds}s`, r))
    expect(r.errors).toEqual({})
    expect(fiveHundreds(r)).toBe(0)
    expect(r.statuses).toEqual({ 200: r.sent })
    expect(await t.app.usage.flush()).toBe(0)
    expect(t.app.usage.dropped).toBe(0)
    const rows = await usageRows(key.slice(0, 16))
    console.log(`[faults] load: usage rows ${JSON.stringify(Object.fromEntries(rows))} for ${r.ok} successful responses`)
    expect(Object.fromEntries(rows)).toEqual({ 200: r.ok })
  })
})
