import { afterAll, describe, expect, it, vi } from 'vitest'
import { randomBytes } from 'node:crypto'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Limiter } from '../../src/store/limits.js'
import { utcMonth } from '../../src/store/calendar.js'
import { openRedis, type RedisConn } from '../../src/store/redis.js'
import { PubSub } from '../../src/store/pubsub.js'
import { deleteKeysUnder } from '../helpers/fault-redis.js'

const REDIS_URL = process.env.REDIS_URL
const filePrefix = `cwtest:${randomBytes(4).toString('hex')}:`
const opened: RedisConn[] = []
// The stop-and-restart test needs a redis-server binary of its own to kill.
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0

function connect(url: string, prefix = filePrefix): RedisConn {
  const conn = openRedis(url, prefix, { maxReconnectDelayMs: 100 })!
  opened.push(conn)
  return conn
}

afterAll(async () => {
  if (REDIS_URL) {
    // Leave the shared server as we found it: delete every key this file made.
    const conn = connect(REDIS_URL)
    await conn.ready()
    await deleteKeysUnder(conn.client, filePrefix)
  }
  await Promise.all(opened.map((c) => c.close()))
})

async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1')
  await once(srv, 'listening')
  const { port } = srv.address() as { port: number }
  srv.close()
  await once(srv, 'close')
  return port
}

/** A clock the test moves by hand, so windows turn over without waiting. */
function clock(start = Date.UTC(2031, 2, 20, 12, 0, 30)) {
  const c = { t: start, now: () => c.t }
  return c
}

const backends: Array<[string, () => Promise<RedisConn | null>]> = [['memory', async () => null]]
if (REDIS_URL) {
  backends.push([
    'redis',
    async () => {
      const conn = connect(REDIS_URL, `${filePrefix}${randomBytes(3).toString('hex')}:`)
      expect(await conn.ready()).toBe(true)
      return conn
    },
  ])
}

describe.each(backends)('Limiter on %s', (name, open) => {
  it('allows up to the limit in a window, then refuses until the next window', async () => {
    const redis = await open()
    const c = clock()
    const lim = new Limiter(redis, { now: c.now })
    expect(lim.backend).toBe(name)
    expect(lim.degraded).toBe(false)
    const results = []
    for (let i = 0; i < 4; i++) results.push(await lim.hit('key:a', 3, 60_000))
    expect(results.map((r) => [r.allowed, r.remaining])).toEqual([[true, 2], [true, 1], [true, 0], [false, 0]])
    expect(results[0]).toMatchObject({ limit: 3, resetMs: 30_000, degraded: false })
    expect((await lim.hit('key:b', 3, 60_000)).remaining).toBe(2) // buckets are separate
    c.t += 30_000 // the next minute
    expect(await lim.hit('key:a', 3, 60_000)).toMatchObject({ allowed: true, remaining: 2, resetMs: 60_000 })
  })

  it('counts a monthly quota by amount, refusing without consuming', async () => {
    const redis = await open()
    const c = clock()
    const lim = new Limiter(redis, { now: c.now })
    const month = 'month' as const
    expect(await lim.hitAmount('chars:k', 600, 1000, month)).toMatchObject({ allowed: true, remaining: 400 })
    expect(await lim.hitAmount('chars:k', 500, 1000, month)).toMatchObject({ allowed: false, remaining: 400 })
    const last = await lim.hitAmount('chars:k', 400, 1000, month)
    expect(last).toMatchObject({ allowed: true, remaining: 0 })
    expect(last.resetMs).toBe(Date.UTC(2031, 3, 1) - c.t)
    expect(await lim.peek('chars:k', month)).toBe(1000)
    c.t = Date.UTC(2031, 3, 1) // April
    expect(await lim.hitAmount('chars:k', 1000, 1000, month)).toMatchObject({ allowed: true, remaining: 0 })
  })

  it('never lets concurrent hits past the limit, across instances sharing the store', async () => {
    const redis = await open()
    const a = new Limiter(redis)
    const b = redis ? new Limiter(redis) : a // without Redis there is only this process
    const hits = await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 2 ? a : b).hit('burst', 50, 60_000)))
    expect(hits.filter((h) => h.allowed)).toHaveLength(50)
  })

  it.runIf(name === 'redis')('keeps its counts under <prefix>rl:<bucket>:<window start>, expiring', async () => {
    const redis = (await open())!
    const c = clock()
    await new Limiter(redis, { now: c.now }).hit('ip:10.0.0.1', 5, 60_000)
    const key = `${redis.prefix}rl:ip:10.0.0.1:${Math.floor(c.t / 60_000) * 60_000}`
    expect(await redis.client.get(key)).toBe('1')
    const ttl = await redis.client.pttl(key)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(35_000)
  })
})

describe('Limiter without a reachable Redis', () => {
  it('counts in memory and says it is degraded when nothing listens', async () => {
    const conn = connect(`redis://127.0.0.1:${await freePort()}`)
    expect(await conn.ready(300)).toBe(false)
    const lim = new Limiter(conn)
    const hits = []
    for (let i = 0; i < 3; i++) hits.push(await lim.hit('k', 2, 60_000))
    expect(hits.map((h) => [h.allowed, h.degraded])).toEqual([[true, true], [true, true], [false, true]])
    expect(lim.degraded).toBe(true)
    expect(lim.backend).toBe('memory')
  })

  it('is not degraded when no Redis is configured (the embedded default)', async () => {
    const lim = new Limiter(null)
    expect((await lim.hit('k', 1, 1000)).degraded).toBe(false)
    expect(lim.degraded).toBe(false)
  })

  it.runIf(hasRedisServer)('falls back when its Redis dies and returns to it when it is back', async () => {
    const port = await freePort()
    let server: ChildProcess | undefined
    const start = async () => {
      server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    }
    try {
      await start()
      const conn = connect(`redis://127.0.0.1:${port}`)
      expect(await conn.ready(5000)).toBe(true)
      const lim = new Limiter(conn)
      expect(await lim.hit('k', 100, 60_000)).toMatchObject({ allowed: true, degraded: false })
      expect(lim.backend).toBe('redis')

      server!.kill('SIGKILL')
      await once(server!, 'exit')
      const during = await lim.hit('k', 100, 60_000)
      expect(during).toMatchObject({ allowed: true, degraded: true }) // answered at once, from memory
      expect(lim.degraded).toBe(true)

      await start()
      await vi.waitFor(async () => expect((await lim.hit('k', 100, 60_000)).degraded).toBe(false), { timeout: 10_000, interval: 50 })
      expect(lim.backend).toBe('redis')
      expect(Number(await conn.client.get(`${conn.prefix}rl:k:${Math.floor(Date.now() / 60_000) * 60_000}`))).toBeGreaterThan(0)
    } finally {
      server?.kill('SIGKILL')
    }
  })
})

describe.runIf(hasRedisServer)('a monthly count when Redis comes back', () => {
  /** A redis-server that keeps its data on disk (every write), so a restart finds it again. */
  async function durableRedis() {
    const port = await freePort()
    const dir = mkdtempSync(join(tmpdir(), 'cw-redis-'))
    let server: ChildProcess | undefined
    const start = async () => {
      server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' })
    }
    const kill = async () => {
      server!.kill('SIGKILL')
      await once(server!, 'exit')
    }
    await start()
    return { url: `redis://127.0.0.1:${port}`, start, kill, wipe: () => rmSync(join(dir, 'appendonlydir'), { recursive: true, force: true }), done: async () => (await kill().catch(() => {}), rmSync(dir, { recursive: true, force: true })) }
  }
  // What the usage rows say: nothing recorded (the count lives in Redis and in this process).
  const recount = () => async () => 0

  it('adds what was counted here meanwhile to a count Redis kept, and keeps leased blocks', async () => {
    const r = await durableRedis()
    try {
      const conn = connect(r.url)
      expect(await conn.ready(5000)).toBe(true)
      const lim = new Limiter(conn, { recount })
      expect(await lim.hitAmount('chars:x', 30, 100, 'month')).toMatchObject({ allowed: true, remaining: 70 })
      await r.kill()
      expect(await lim.hitAmount('chars:x', 20, 100, 'month')).toMatchObject({ allowed: true, remaining: 50, degraded: true })
      const generation = lim.generation
      await r.start()
      // In Redis itself, not this process's count: the 20 counted here were added on reconnection.
      const key = `${conn.prefix}rl:chars:x:${utcMonth(Date.now()).start}`
      await vi.waitFor(async () => expect(await conn.client.get(key).catch(() => null)).toBe('50'), { timeout: 10_000, interval: 50 })
      expect(lim.generation).toBe(generation) // the same data: blocks leased from it still count
      expect(await lim.hitAmount('chars:x', 60, 100, 'month')).toMatchObject({ allowed: false, remaining: 50, degraded: false })
    } finally {
      await r.done()
    }
  })

  it('voids leased blocks when Redis comes back without its data, and rebuilds the count', async () => {
    const r = await durableRedis()
    try {
      const conn = connect(r.url)
      expect(await conn.ready(5000)).toBe(true)
      const lim = new Limiter(conn, { recount: () => async () => 40 })
      expect(await lim.hitAmount('chars:y', 10, 100, 'month')).toMatchObject({ allowed: true, remaining: 50 }) // 40 recorded + 10
      const generation = lim.generation
      await r.kill()
      r.wipe()
      await r.start()
      await vi.waitFor(() => expect(lim.generation).toBe(generation + 1), { timeout: 10_000, interval: 50 })
      // Rebuilt from what is recorded (the 10 were not yet), not from zero.
      expect(await lim.hitAmount('chars:y', 10, 100, 'month')).toMatchObject({ allowed: true, remaining: 50 })
    } finally {
      await r.done()
    }
  })
})

describe.each(backends)('PubSub on %s', (name, open) => {
  it('delivers to every instance subscribed, and stops after unsubscribe', async () => {
    const redis = await open()
    // Two instances of the service: separate connections when Redis is there.
    const other = redis ? connect(REDIS_URL!, redis.prefix) : null
    const a = new PubSub(redis)
    const b = redis ? new PubSub(other) : a
    const got: string[] = []
    const offA = a.subscribe('keys:revoked', (m) => got.push(`a:${m}`))
    b.subscribe('keys:revoked', (m) => got.push(`b:${m}`))
    expect(await a.ready()).toBe(true)
    expect(await b.ready()).toBe(true)
    expect(await b.publish('keys:revoked', 'id-1')).toBe(name === 'redis' ? 'redis' : 'local')
    await vi.waitFor(() => expect(got.sort()).toEqual(['a:id-1', 'b:id-1']))
    offA()
    await a.publish('keys:revoked', 'id-2')
    await vi.waitFor(() => expect(got).toContain('b:id-2'))
    expect(got).not.toContain('a:id-2')
    a.close()
    b.close()
  })

  it.runIf(name === 'redis')('keeps deployments with different prefixes apart', async () => {
    const a = new PubSub((await open())!)
    const b = new PubSub((await open())!) // another random prefix
    const got: string[] = []
    b.subscribe('keys:revoked', (m) => got.push(m))
    await b.ready()
    await a.publish('keys:revoked', 'x')
    await new Promise((r) => setTimeout(r, 100))
    expect(got).toEqual([])
    a.close()
    b.close()
  })
})

describe('PubSub with Redis down', () => {
  it('still tells this process', async () => {
    const bus = new PubSub(connect(`redis://127.0.0.1:${await freePort()}`))
    const got: string[] = []
    bus.subscribe('c', (m) => got.push(m))
    expect(await bus.publish('c', 'hello')).toBe('local')
    expect(got).toEqual(['hello'])
    bus.close()
  })
})
