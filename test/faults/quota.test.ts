// A monthly character quota holds when its count is lost: Redis killed (counted in this process
// from the usage rows), Redis restarted empty (the count is rebuilt from the usage rows), every
// instance restarted (with Redis empty, or with no Redis at all), and the bounded allowance while
// neither Redis nor the database can say. Each case is the issue's: a 100-character quota spent
// 20 characters at a time, so the sixth request must be refused whatever was lost in between.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { errorOf, post, startApp, type TestApp } from '../helpers/app.js'
import { REQUIRED } from '../helpers/fault-net.js'
import { hasRedisServer, startRedis, type DedicatedRedis } from '../helpers/fault-redis.js'
import { RECHECK_MS } from '../../src/store/local-counts.js'

const TEXT = 'Press one for sales.' // 20 characters
const available = hasRedisServer()

const speak = async (t: TestApp, key: string) => {
  const res = await post(t.url, '/v1/tts', { text: TEXT, voice_id: 'kal' }, { 'x-api-key': key })
  await res.arrayBuffer()
  return res.status
}
const speakTimes = async (t: TestApp, key: string, n: number) => {
  const statuses: number[] = []
  for (let i = 0; i < n; i++) statuses.push(await speak(t, key))
  return statuses
}
/** Characters the usage rows say were served on this key, once every instance has written its rows. */
const served = async (key: string, ...instances: TestApp[]) => {
  for (const i of instances) expect(await i.app.usage.flush()).toBe(0)
  const [{ n }] = await instances[0].shared.raw.query<{ n: number }>(
    'SELECT coalesce(sum(u.characters), 0)::int AS n FROM usage u JOIN api_keys k ON k.id = u.key_id WHERE k.key_prefix = $1 AND u.status = 200',
    [key.slice(0, 16)],
  )
  return Number(n)
}
const QUOTA = { monthlyCharLimit: 100, rateLimitPerMinute: 1000 }

describe.skipIf(!available && !REQUIRED)('the monthly quota when Redis loses its count', () => {
  let redis: DedicatedRedis
  const apps: TestApp[] = []
  const start = async (opts: Parameters<typeof startApp>[0] = {}, shareWith?: TestApp) => {
    const t = await startApp({ redisUrl: redis.url, ...opts }, { shareWith })
    apps.push(t)
    return t
  }

  beforeAll(async () => {
    expect(available, 'redis-server must be installed (apt-get install redis-server)').toBe(true)
    redis = await startRedis()
  })
  afterEach(async () => {
    for (const t of apps.splice(0).reverse()) await t.close()
    await redis.restart() // every case starts with a Redis that answers
  })
  afterAll(async () => {
    await redis?.stop()
  })

  it('holds while Redis is down: counted here from what was used', async () => {
    const t = await start()
    const key = await t.key(QUOTA)
    expect(await speakTimes(t, key, 3)).toEqual([200, 200, 200])
    await redis.kill()
    expect(await speakTimes(t, key, 3)).toEqual([200, 200, 429])
    expect(await served(key, t)).toBe(100)
  })

  it('holds across two instances while Redis is down: each reads the other\'s use from the usage rows', async () => {
    const a = await start()
    const b = await start({}, a)
    const key = await a.key(QUOTA)
    expect([await speak(a, key), await speak(b, key)]).toEqual([200, 200]) // 40, counted in Redis
    await redis.kill()
    expect(await speakTimes(a, key, 2)).toEqual([200, 200]) // 80: A counts from 40
    expect(await a.app.usage.flush()).toBe(0)
    // B last saw 40 in Redis; it asks the usage rows again once a second while Redis is away.
    await new Promise((r) => setTimeout(r, RECHECK_MS + 100))
    expect(await speakTimes(b, key, 2)).toEqual([200, 429])
    expect(await served(key, a, b)).toBe(100)
  })

  it('holds when Redis restarts empty: the count is rebuilt from the usage rows', async () => {
    const t = await start()
    const key = await t.key(QUOTA)
    expect(await speakTimes(t, key, 3)).toEqual([200, 200, 200])
    await redis.restart()
    await t.app.redis!.ready(10_000)
    expect(await speakTimes(t, key, 3)).toEqual([200, 200, 429])
    expect(await served(key, t)).toBe(100)
  })

  it('holds when every instance restarts and Redis restarted empty too', async () => {
    const first = await start()
    const key = await first.key(QUOTA)
    expect(await speakTimes(first, key, 3)).toEqual([200, 200, 200])
    await redis.restart()
    // A new instance knows nothing of the count: only the usage rows remain.
    const again = await start({}, first)
    expect(await speakTimes(again, key, 3)).toEqual([200, 200, 429])
    expect(await served(key, first, again)).toBe(100)
  })

  it('lets a key spend only the stated allowance while neither Redis nor the database answers', async () => {
    const t = await start({ quotaOutageAllowance: 50 })
    // Under 200, so counted one request at a time (no block leased before the outage to spend).
    const key = await t.key({ monthlyCharLimit: 199, rateLimitPerMinute: 1000 })
    expect(await speakTimes(t, key, 1)).toEqual([200]) // the key and its count are known here
    await redis.kill()
    t.database.down = true
    const during = await post(t.url, '/v1/tts', { text: TEXT, voice_id: 'kal' }, { 'x-api-key': key })
    await during.arrayBuffer()
    expect(during.status).toBe(200)
    expect(await speakTimes(t, key, 2)).toEqual([200, 429]) // 40 of 50; the next 20 would pass it
    const refused = await post(t.url, '/v1/tts', { text: TEXT, voice_id: 'kal' }, { 'x-api-key': key })
    expect(refused.status).toBe(429)
    expect((await errorOf(refused)).code).toBe('quota_exceeded')
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(5) // not the end of the month
    t.database.down = false
    // The database answers again: the key's count is confirmed and it may go on.
    await expect.poll(() => speak(t, key), { timeout: 10_000, interval: 200 }).toBe(200)
  })
})

describe('the monthly quota with no Redis configured (the embedded default)', () => {
  it('holds across a restart of the instance: the count starts from the usage rows', async () => {
    const first = await startApp({ redisUrl: undefined })
    const key = await first.key(QUOTA)
    expect(await speakTimes(first, key, 3)).toEqual([200, 200, 200])
    const again = await startApp({ redisUrl: undefined }, { shareWith: first })
    try {
      expect(await speakTimes(again, key, 3)).toEqual([200, 200, 429])
      expect(await served(key, first, again)).toBe(100)
    } finally {
      await again.close()
      await first.close()
    }
  })
})
