// The same refusals on every route behind a key: no key, a malformed one, an unknown one, a
// revoked one, one in the wrong header, one without the route's scope. All in the one error shape.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { KEY_REVOKED_CHANNEL, revokeKey } from '../../src/store/keys.js'
import { openRedis } from '../../src/store/redis.js'
import { PubSub } from '../../src/store/pubsub.js'
import { errorOf, startApp, type TestApp } from '../helpers/app.js'

type Scope = 'tts' | 'calls' | 'admin'
const ROUTES: Array<{ method: 'GET' | 'POST' | 'PUT'; path: string; body?: unknown; scope: Scope | null }> = [
  { method: 'GET', path: '/v1/voices', scope: 'tts' },
  { method: 'GET', path: '/v1/usage', scope: null },
  { method: 'GET', path: '/v1/auth/verify', scope: null },
  { method: 'POST', path: '/v1/tts', body: { text: 'Hello there.', voice_id: 'kal' }, scope: 'tts' },
  { method: 'POST', path: '/v1/audio/speech', body: { model: 'tts-1', input: 'Hello there.', voice: 'alloy', response_format: 'wav' }, scope: 'tts' },
  { method: 'GET', path: '/v1/calls', scope: 'calls' },
  { method: 'GET', path: '/v1/numbers', scope: 'admin' },
  { method: 'PUT', path: '/v1/numbers/+15551230000', body: { greeting: 'Hello.', voice_id: 'kal16' }, scope: 'admin' },
  { method: 'POST', path: '/v1/voices/reload', scope: 'admin' },
]

let t: TestApp
let good: string
let revoked: string
let callsOnly: string
let admin: string
// Well-formed (prefix + 43 base64url characters, the last one of the 16 a 256-bit key can end in),
// but never issued.
const unknown = 'cw_live_' + 'A'.repeat(42) + 'E'

// Unknown and revoked keys count as failed authentications from this one address; the limit on
// those has tests of its own (limits.test.ts), so here it is out of the way.
const NO_FAILURE_LIMIT = { authFailuresPerMinute: 100_000 }

beforeAll(async () => {
  t = await startApp(NO_FAILURE_LIMIT)
  good = await t.key()
  revoked = await t.key()
  await revokeKey(t.app.db, revoked)
  callsOnly = await t.key({ scopes: ['calls'] })
  admin = await t.key({ scopes: ['admin'] })
})
afterAll(() => t?.close())

/** A key that has the route's scope, and one that lacks it (`good` has only tts). */
const holder = (scope: Scope | null) => (scope === 'calls' ? callsOnly : scope === 'admin' ? admin : good)
const lacker = (scope: Scope) => (scope === 'tts' ? callsOnly : good)

function call(route: (typeof ROUTES)[number], headers: Record<string, string>) {
  return fetch(t.url + route.path, {
    method: route.method,
    headers: route.body ? { 'content-type': 'application/json', ...headers } : headers,
    body: route.body ? JSON.stringify(route.body) : undefined,
  })
}

describe.each(ROUTES)('$method $path', (route) => {
  const refusals: Array<[string, () => Record<string, string>, number, string]> = [
    ['no key', () => ({}), 401, 'unauthorized'],
    ['a malformed key', () => ({ 'x-api-key': 'not-a-key' }), 401, 'unauthorized'],
    ['a malformed bearer token', () => ({ authorization: 'Bearer cw_live_short' }), 401, 'unauthorized'],
    ['an unknown key', () => ({ 'x-api-key': unknown }), 401, 'unauthorized'],
    ['a revoked key', () => ({ 'x-api-key': revoked }), 401, 'unauthorized'],
    ['a key as Basic credentials', () => ({ authorization: `Basic ${Buffer.from(`${good}:`).toString('base64')}` }), 401, 'unauthorized'],
    ['a key in Authorization without Bearer', () => ({ authorization: good }), 401, 'unauthorized'],
    ['a key in an unknown header', () => ({ 'api-key': good }), 401, 'unauthorized'],
  ]
  it.each(refusals)('refuses %s', async (_name, headers, status, code) => {
    const res = await call(route, headers())
    expect(res.status).toBe(status)
    const err = await errorOf(res)
    expect(err.code).toBe(code)
    expect(err.request_id).toBe(res.headers.get('x-request-id'))
  })

  it.runIf(route.scope)(`refuses a key without the ${route.scope} scope with 403`, async () => {
    const res = await call(route, { 'x-api-key': lacker(route.scope!) })
    expect(res.status).toBe(403)
    expect((await errorOf(res)).code).toBe('forbidden')
  })

  it('accepts a good key in x-api-key, as a Bearer token, and an admin key', async () => {
    const key = holder(route.scope)
    const ways: Array<Record<string, string>> = [{ 'x-api-key': key }, { authorization: `Bearer ${key}` }, { 'x-api-key': admin }]
    for (const headers of ways) {
      const res = await call(route, headers)
      expect(res.ok).toBe(true) // 200, or 201 for the PUT that creates a number
      await res.arrayBuffer()
    }
  })
})

/** Key lookups since a point in the query log (usage writes run in the background, and may). */
const keyLookups = (from: number) => t.database.log.slice(from).filter((sql) => /key_hash/.test(sql))

describe('the cost of a key check', () => {
  it('refuses a malformed key before any database or limiter call', async () => {
    const before = t.database.log.length
    const spies = [vi.spyOn(t.app.limiter, 'hit'), vi.spyOn(t.app.limiter, 'hitAmount'), vi.spyOn(t.app.limiter, 'peek')]
    const malformed = [
      'x',
      '',
      'cw_live_' + 'A'.repeat(42) + 'B', // 256 random bits cannot end in B
      'cw_live_' + '!'.repeat(43),
      'cw_live_' + 'A'.repeat(100),
      'cw live ' + 'A'.repeat(42) + 'E',
    ]
    for (const key of malformed) {
      const res = await fetch(`${t.url}/v1/auth/verify`, { headers: { 'x-api-key': key } })
      expect(res.status).toBe(401)
    }
    expect(keyLookups(before)).toEqual([])
    for (const spy of spies) {
      expect(spy).not.toHaveBeenCalled()
      spy.mockRestore()
    }
  })

  it('answers a known key from memory: no query per request', async () => {
    await fetch(`${t.url}/v1/auth/verify`, { headers: { 'x-api-key': good } })
    const before = t.database.log.length
    for (let i = 0; i < 5; i++) expect((await fetch(`${t.url}/v1/auth/verify`, { headers: { 'x-api-key': good } })).status).toBe(200)
    expect(keyLookups(before)).toEqual([])
  })
})

describe('revocation', () => {
  it('stops a cached key as soon as the revocation message arrives', async () => {
    const key = await t.key()
    expect((await fetch(`${t.url}/v1/auth/verify`, { headers: { 'x-api-key': key } })).status).toBe(200)
    const [row] = await revokeKey(t.app.db, key)
    await t.app.pubsub.publish('keys:revoked', row.id)
    await expect.poll(async () => (await fetch(`${t.url}/v1/auth/verify`, { headers: { 'x-api-key': key } })).status).toBe(401)
  })
})

describe.runIf(process.env.REDIS_URL)('revocation across instances (Redis pub/sub)', () => {
  let second: TestApp
  beforeAll(async () => {
    second = await startApp(NO_FAILURE_LIMIT, { shareWith: t })
  })
  afterAll(() => second?.close())

  it('stops the key on every instance, as `npm run keys -- revoke` announces it', async () => {
    const key = await t.key()
    for (const app of [t, second]) expect((await fetch(`${app.url}/v1/auth/verify`, { headers: { 'x-api-key': key } })).status).toBe(200)
    const [row] = await revokeKey(t.app.db, key)
    // What the CLI does: its own connection, its own PubSub, a publish on the shared prefix.
    const redis = openRedis(process.env.REDIS_URL, t.config.redisKeyPrefix)!
    const bus = new PubSub(redis)
    try {
      expect(await redis.ready()).toBe(true)
      expect(await bus.publish(KEY_REVOKED_CHANNEL, row.id)).toBe('redis')
    } finally {
      bus.close()
      await redis.close()
    }
    for (const app of [t, second]) {
      await expect.poll(async () => (await fetch(`${app.url}/v1/auth/verify`, { headers: { 'x-api-key': key } })).status).toBe(401)
    }
  })
})

describe('headers', () => {
  it('sets HSTS, X-Frame-Options, a CSP and the request id on API responses', async () => {
    const res = await fetch(`${t.url}/health`)
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/)
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('x-request-id')).toBeTruthy()
  })

  it('keeps a well-formed request id from a proxy, and replaces a bad one', async () => {
    const kept = await fetch(`${t.url}/health`, { headers: { 'x-request-id': 'abcdef0123456789' } })
    expect(kept.headers.get('x-request-id')).toBe('abcdef0123456789')
    const replaced = await fetch(`${t.url}/health`, { headers: { 'x-request-id': 'bad id\twith spaces' } })
    expect(replaced.headers.get('x-request-id')).not.toContain(' ')
  })

  it('lets /docs load its scripts and styles', async () => {
    const res = await fetch(`${t.url}/docs/static/index.html`)
    expect(res.status).toBe(200)
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("style-src 'self'")
  })

  it('gives no CORS headers to an origin that is not listed', async () => {
    const res = await fetch(`${t.url}/v1/auth/verify`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } })
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('CORS for listed origins', () => {
  let c: TestApp
  beforeAll(async () => {
    c = await startApp({ corsOrigins: ['https://app.example'] })
  })
  afterAll(() => c?.close())

  it('answers a preflight from a listed origin and ignores others', async () => {
    const pre = (origin: string) =>
      fetch(`${c.url}/v1/tts`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key,content-type' } })
    const ok = await pre('https://app.example')
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(ok.headers.get('access-control-allow-headers')).toContain('x-api-key')
    expect((await pre('https://other.example')).headers.get('access-control-allow-origin')).toBeNull()
  })
})
