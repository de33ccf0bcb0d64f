// Redis dies mid-load: a redis-server of this test's own (never the shared REDIS_URL one) is killed
// with SIGKILL while POST /v1/tts runs at a fixed rate. Requests go on being served with limits
// counted in this process, GET /health says "degraded" (still 200), and once a new redis-server is
// up on the same port it says "healthy" again and limits are counted in Redis. Usage rows still
// equal the successful responses, and the loss and the return are each logged once, at warn.
// Load lasts FAULT_LOAD_SECONDS (default 3 s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { REQUIRED, loadSeconds, sleep, waitFor } from '../helpers/fault-net.js'
import { describeLoad, fiveHundreds, paced, ttsSender } from '../helpers/fault-load.js'
import { hasRedisServer, startRedis, type DedicatedRedis } from '../helpers/fault-redis.js'

const RATE = 25
const available = hasRedisServer()

describe.skipIf(!available && !REQUIRED)('Redis killed mid-load', () => {
  let redis: DedicatedRedis
  let t: TestApp

  beforeAll(async () => {
    expect(available, 'redis-server must be installed (apt-get install redis-server)').toBe(true)
    redis = await startRedis()
    t = await startApp({ redisUrl: redis.url, ipRequestsPerMinute: 1_000_000 })
  })
  afterAll(async () => {
    await t?.close()
    await redis?.stop()
  })

  const health = async () => {
    const res = await fetch(`${t.url}/health`)
    return { status: res.status, body: (await res.json()) as { status: string; components: { redis: boolean }; backends: { limits: string } } }
  }

  it('keeps serving with in-process limits, reports degraded, and is healthy again once Redis is back', async () => {
    expect((await health()).body.status).toBe('healthy')
    expect(t.app.limiter.backend).toBe('redis')
    const key = await t.key()
    const seconds = loadSeconds()
    const faults: string[] = []
    const script = (async () => {
      await sleep(seconds * 250)
      await redis.kill()
      const killedAt = performance.now()
      faults.push('redis SIGKILL')
      // Degraded, and still 200, while Redis is away.
      const down = await waitFor(async () => {
        const h = await health()
        return h.body.status === 'degraded' ? h : null
      }, '/health to say degraded', 10_000)
      expect(down.status).toBe(200)
      expect(down.body.components.redis).toBe(false)
      expect(down.body.backends.limits).toBe('memory')
      await sleep(seconds * 250)
      await redis.restart()
      faults.push(`redis restarted on the same port after ${((performance.now() - killedAt) / 1000).toFixed(1)} s`)
      // ioredis reconnects with backoff (at most 0.5 s between tries).
      await waitFor(async () => (await health()).body.status === 'healthy', '/health to say healthy again', 15_000, 100)
      faults.push('healthy again')
    })()
    const r = await paced({ rate: RATE, seconds, send: ttsSender(t.url, key) })
    await script
    console.log(describeLoad(`redis outage ${seconds}s`, r), '| faults:', faults.join(', '))
    expect(r.errors).toEqual({})
    expect(fiveHundreds(r)).toBe(0)
    expect(r.statuses).toEqual({ 200: r.sent })

    // Back on shared counts: a request now is counted in Redis.
    expect((await ttsSender(t.url, key)(-1))).toBe(200)
    expect(t.app.limiter.backend).toBe('redis')
    expect((await health()).body).toMatchObject({ status: 'healthy', components: { redis: true }, backends: { limits: 'redis' } })

    expect(await t.app.usage.flush()).toBe(0)
    const [{ n }] = await t.shared.raw.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM usage u JOIN api_keys k ON k.id = u.key_id WHERE k.key_prefix = $1 AND u.status = 200', [key.slice(0, 16)])
    expect(Number(n)).toBe(r.ok + 1)

    const warnings = t.logs.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 40 && /^redis /.test(l.msg))
    expect(warnings.map((l) => l.msg)).toEqual([
      'redis connection lost: counting limits in this process until it is back',
      'redis is back: limits are counted in Redis again',
    ])
  })
})
