// PostgreSQL goes away mid-load: a cluster of this test's own (Debian's server binaries, a free
// port, a temp directory) is stopped with `pg_ctl stop -m immediate` while POST /v1/tts runs at a
// fixed rate, then started again on the same port. A key verified before the outage keeps working;
// a key never seen gets 503 (the service cannot check it), not 401; usage records wait in the
// buffer and are all written once the database is back: rows are counted against the successful
// responses. Load lasts FAULT_LOAD_SECONDS (default 3 s). Where the binaries are missing the test
// skips, except under CI=true, where it fails.
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { openDb, type Db } from '../../src/store/db.js'
import { createKey } from '../../src/store/keys.js'
import { migrate } from '../../src/store/migrate.js'
import { errorOf } from '../helpers/app.js'
import { REQUIRED, loadSeconds, sleep, waitFor } from '../helpers/fault-net.js'
import { describeLoad, fiveHundreds, paced, ttsSender } from '../helpers/fault-load.js'
import { postgresBin, startPostgres, type DedicatedPostgres } from '../helpers/fault-postgres.js'

const RATE = 25
const available = postgresBin() !== null

describe.skipIf(!available && !REQUIRED)('PostgreSQL stopped mid-load', () => {
  let pg: DedicatedPostgres
  let app: FastifyInstance
  let url: string
  let admin: Db // the test's own connection, to make keys and count rows

  beforeAll(async () => {
    expect(available, 'PostgreSQL server binaries must be installed under /usr/lib/postgresql/*/bin (apt-get install postgresql)').toBe(true)
    pg = await startPostgres()
    admin = await openDb({ url: pg.url, max: 2 })
    await migrate(admin)
    const config = {
      ...loadConfig({ LOG_LEVEL: 'warn', SYNTHESIS_WORKERS: '2', IP_REQUESTS_PER_MINUTE: '1000000', DATA_DIR: 'memory://' }),
      databaseUrl: pg.url,
    }
    // The app opens (and closes) its own pool, as in production.
    app = await buildApp(config, { logStream: { write: () => {} } })
    await app.listen({ port: 0, host: '127.0.0.1' })
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await pg?.start().catch(() => {}) // so the app's last flush and close find it
    await app?.close()
    await admin?.close()
    await pg?.destroy()
  })

  const newKey = async (name: string) =>
    (await createKey(admin, { name, scopes: ['tts'], rateLimitPerMinute: 100_000, monthlyCharLimit: 10_000_000 })).key
  const rowsOf = async (key: string) => {
    const [{ n }] = await admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM usage u JOIN api_keys k ON k.id = u.key_id WHERE k.key_prefix = $1 AND u.status = 200', [key.slice(0, 16)])
    return Number(n)
  }

  it('serves known keys, answers 503 for unknown ones, and writes every buffered usage record after recovery', async () => {
    const known = await newKey('verified before the outage')
    const unseen = await newKey('first used during the outage')
    const send = ttsSender(url, known)
    expect(await send(-1)).toBe(200) // verified, so cached
    const seconds = loadSeconds()
    const during = { unseen: [] as number[], pendingPeak: 0, health: 0 }
    const faults: string[] = []
    const script = (async () => {
      await sleep(seconds * 250)
      await pg.stop('immediate')
      const stoppedAt = performance.now()
      faults.push('pg_ctl stop -m immediate')
      // Several tries: every one must be 503 "unavailable", never 401.
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${url}/v1/tts`, {
          method: 'POST',
          headers: { 'x-api-key': unseen, 'content-type': 'application/json' },
          body: JSON.stringify({ text: 'Who am I?', voice_id: 'kal' }),
        })
        during.unseen.push(res.status)
        expect(res.status).toBe(503)
        expect((await errorOf(res)).code).toBe('unavailable')
        expect(res.headers.get('retry-after')).toBeTruthy()
        await sleep(100)
      }
      const h = await fetch(`${url}/health`)
      during.health = h.status
      expect(((await h.json()) as { components: { database: boolean } }).components.database).toBe(false)
      // Records pile up in the buffer rather than being lost.
      await waitFor(() => app.usage.pending() > 0 && app.usage.backingOff, 'usage records to wait in the buffer', 10_000)
      await sleep(seconds * 250)
      during.pendingPeak = app.usage.pending()
      await pg.start()
      faults.push(`pg_ctl start on the same port after ${((performance.now() - stoppedAt) / 1000).toFixed(1)} s`)
    })()
    const r = await paced({ rate: RATE, seconds, send })
    await script
    // Written after recovery by the recorder's own retries (no flush() called): it backs off up to
    // 10 s between tries, so allow a little more than that.
    await waitFor(() => app.usage.pending() === 0, 'the usage buffer to empty after recovery', 30_000, 100)
    console.log(describeLoad(`postgres outage ${seconds}s`, r), '| faults:', faults.join(', '),
      `| unseen key during outage: ${during.unseen.join(',')} | /health during outage: ${during.health} | usage buffered at peak: ${during.pendingPeak}`)
    expect(r.errors).toEqual({})
    expect(fiveHundreds(r)).toBe(0)
    expect(r.statuses).toEqual({ 200: r.sent })
    expect(during.pendingPeak).toBeGreaterThan(0)
    expect(app.usage.dropped).toBe(0)
    expect(app.usage.rejected).toBe(0)
    const rows = await rowsOf(known)
    console.log(`[faults] postgres outage: usage rows ${rows} for ${r.ok + 1} successful responses (lost ${r.ok + 1 - rows})`)
    expect(rows).toBe(r.ok + 1)

    // The key that could not be checked works now.
    expect(await ttsSender(url, unseen)(0)).toBe(200)
    expect(await app.usage.flush()).toBe(0)
    expect(await rowsOf(unseen)).toBe(1)
  })
})
