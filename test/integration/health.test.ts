// /health, /metrics and /docs; and how the service behaves while the database is away.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorOf, post, startApp, type TestApp } from '../helpers/app.js'

let t: TestApp

beforeAll(async () => {
  t = await startApp()
})
afterAll(() => t?.close())

interface Health {
  status: string
  timestamp: string
  components: { tts_model: boolean; database: boolean; redis: boolean | 'not_configured' }
  backends: { database: string; limits: string }
}

const health = async (app = t) => {
  const res = await fetch(`${app.url}/health`)
  return { status: res.status, body: (await res.json()) as Health }
}

describe('GET /health', () => {
  it('is healthy, in the original shape', async () => {
    const { status, body } = await health()
    expect(status).toBe(200)
    // Without Redis there is nothing to be down: it says so rather than "true".
    const redis = process.env.REDIS_URL ? true : 'not_configured'
    expect(body).toMatchObject({ status: 'healthy', components: { tts_model: true, database: true, redis } })
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp)
    expect(body.backends.database).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite')
    expect(body.backends.limits).toBe(process.env.REDIS_URL ? 'redis' : 'memory')
  })

  it('is degraded, still 200, when Redis is configured but down', async () => {
    const dead = await startApp({ redisUrl: 'redis://127.0.0.1:1' })
    try {
      const { status, body } = await health(dead)
      expect(status).toBe(200)
      expect(body).toMatchObject({ status: 'degraded', components: { redis: false }, backends: { limits: 'memory' } })
      // Limits still apply, counted in memory.
      const key = await dead.key()
      expect((await fetch(`${dead.url}/v1/auth/verify`, { headers: { 'x-api-key': key } })).status).toBe(200)
    } finally {
      await dead.close()
    }
  })
})

describe('while the database is away', () => {
  it('serves keys it has verified, refuses unverified ones with 503, reports unhealthy, and loses no usage', async () => {
    const known = await t.key()
    const unknown = await t.key()
    const say = (key: string) => post(t.url, '/v1/tts', { text: 'Still here.', voice_id: 'kal' }, { 'x-api-key': key })
    expect((await say(known)).status).toBe(200)
    await t.app.usage.flush()

    t.database.down = true
    try {
      const served = await say(known)
      expect(served.status).toBe(200)
      await served.arrayBuffer()
      const refused = await fetch(`${t.url}/v1/auth/verify`, { headers: { 'x-api-key': unknown } })
      expect(refused.status).toBe(503)
      expect((await errorOf(refused)).code).toBe('unavailable')
      await expect.poll(async () => (await health()).status).toBe(503)
      expect((await health()).body).toMatchObject({ status: 'unhealthy', components: { database: false } })
      expect(t.app.usage.pending()).toBeGreaterThan(0)
    } finally {
      t.database.down = false
    }
    await expect.poll(async () => (await health()).status).toBe(200)
    expect(await t.app.usage.flush()).toBe(0)
    const [row] = await t.app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM usage u JOIN api_keys k ON k.id = u.key_id WHERE k.key_prefix = $1 AND u.status = 200`,
      [known.slice(0, 16)],
    )
    expect(row.n).toBe(2)
  })
})

describe('GET /metrics', () => {
  it('exposes the contract metrics in Prometheus text', async () => {
    const key = await t.key()
    await (await post(t.url, '/v1/tts', { text: 'Metrics.', voice_id: 'kal' }, { 'x-api-key': key })).arrayBuffer()
    const res = await fetch(`${t.url}/metrics`)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await res.text()
    for (const name of [
      'http_requests_total', 'tts_generation_duration_seconds_bucket', 'api_key_rate_limit_exceeded_total',
      'system_cpu_percent', 'system_memory_percent', 'tts_model_loaded', 'tts_time_to_first_audio_seconds_bucket',
      'tts_synthesis_queue_depth', 'tts_cache_hits_total',
    ]) expect(text).toContain(name)
    expect(text).toMatch(/http_requests_total\{method="POST",route="\/v1\/tts",status="200"\} [1-9]/)
    expect(text).toMatch(/tts_model_loaded\{engine="flite"\} 5/)
  })
})

describe('GET /docs', () => {
  it('serves the OpenAPI document built from the route schemas', async () => {
    const doc = (await (await fetch(`${t.url}/docs/json`)).json()) as {
      openapi: string
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>
      components: { securitySchemes: Record<string, unknown> }
    }
    expect(doc.openapi).toMatch(/^3\./)
    for (const path of ['/v1/tts', '/v1/audio/speech', '/v1/voices', '/v1/usage', '/v1/auth/verify', '/health', '/metrics']) {
      expect(Object.keys(doc.paths)).toContain(path)
    }
    expect(JSON.stringify(doc.paths['/v1/tts'].post.requestBody)).toContain('voice_id')
    expect(Object.keys(doc.paths['/v1/tts'].post.responses)).toEqual(expect.arrayContaining(['200', '401', '404', '429']))
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['apiKey', 'bearer'])
  })

  it('serves the UI', async () => {
    const res = await fetch(`${t.url}/docs`, { redirect: 'follow' })
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('swagger')
  })
})
