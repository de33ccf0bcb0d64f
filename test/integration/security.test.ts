// The same refusals on every route behind a key: no key, a malformed one, an unknown one, a
// revoked one, one in the wrong header, one without the route's scope. All in the one error shape.
// The routes come from the app itself: a route added without a line here fails this suite.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { KEY_REVOKED_CHANNEL, revokeKey } from '../../src/store/keys.js'
import { openRedis } from '../../src/store/redis.js'
import { PubSub } from '../../src/store/pubsub.js'
import { errorOf, startApp, type TestApp } from '../helpers/app.js'
import { routesOf } from '../helpers/routes.js'

type Scope = 'tts' | 'calls' | 'admin'

/** Routes anyone may call, and why. */
const PUBLIC: Record<string, string> = {
  'GET /health': 'load balancers and container health checks call it without a key',
  'GET /metrics': 'Prometheus scrapes it without a key (nginx keeps it on the private side)',
  'GET /docs': 'the API reference is public',
  'GET /docs/': 'the API reference is public',
  'GET /docs/*': 'the API reference is public',
  'GET /docs/json': 'the API reference is public (OpenAPI)',
  'GET /docs/yaml': 'the API reference is public (OpenAPI)',
  'GET /docs/static/index.html': 'the API reference is public',
  'GET /docs/static/swagger-initializer.js': 'the API reference is public',
  'POST /twilio/voice': "Twilio's voice webhook: refused without a valid X-Twilio-Signature instead (e2e/twilio-webhooks.test.ts)",
  'POST /twilio/status': "Twilio's status callback: refused without a valid X-Twilio-Signature instead (e2e/twilio-webhooks.test.ts)",
  'GET /twilio/media': "Twilio's Media Stream socket: the upgrade is refused without a valid signature instead (e2e/twilio-webhooks.test.ts)",
  'OPTIONS *': 'CORS preflight: browsers send it without credentials',
  'GET /console': 'the console page: it holds no data, and signs in with a key the user types (test/console)',
  // /console/* as Fastify's route tree prints it (the static '/console' node is shared with GET /console).
  'GET /console*': "the console's scripts and styles",
}

interface Keyed {
  scope: Scope | null
  /** The concrete path to call (path parameters filled in) and its body. */
  path: string
  body?: unknown
  /** What a key that holds the scope gets: the route's own answer, past the key check. */
  admitted: number
}

const CALL = 'CA' + '0'.repeat(32)
/** Routes behind a key, by `METHOD pattern` as the app names them. */
const KEYED: Record<string, Keyed> = {
  'GET /v1/voices': { scope: 'tts', path: '/v1/voices', admitted: 200 },
  'POST /v1/voices/reload': { scope: 'admin', path: '/v1/voices/reload', admitted: 200 },
  'GET /v1/usage': { scope: null, path: '/v1/usage', admitted: 200 },
  'GET /v1/auth/verify': { scope: null, path: '/v1/auth/verify', admitted: 200 },
  'POST /v1/tts': { scope: 'tts', path: '/v1/tts', body: { text: 'Hello there.', voice_id: 'kal' }, admitted: 200 },
  'POST /v1/tts/with-timestamps': { scope: 'tts', path: '/v1/tts/with-timestamps', body: { text: 'Hello there.', voice_id: 'kal' }, admitted: 200 },
  // The key is checked before the upgrade; a plain GET with a good key is then not a WebSocket.
  'GET /v1/speak': { scope: 'tts', path: '/v1/speak', admitted: 426 },
  'POST /v1/audio/speech': { scope: 'tts', path: '/v1/audio/speech', body: { model: 'tts-1', input: 'Hello there.', voice: 'alloy', response_format: 'wav' }, admitted: 200 },
  // No Twilio account is set up in this app: a key that may place calls is told so.
  'POST /v1/calls': { scope: 'calls', path: '/v1/calls', body: { to: '+15551230001', text: 'Hello there.' }, admitted: 503 },
  'GET /v1/calls': { scope: 'calls', path: '/v1/calls', admitted: 200 },
  'GET /v1/calls/:callSid': { scope: 'calls', path: `/v1/calls/${CALL}`, admitted: 404 },
  'GET /v1/calls/:callSid/transcript': { scope: 'calls', path: `/v1/calls/${CALL}/transcript`, admitted: 404 },
  'POST /v1/calls/:callSid/say': { scope: 'calls', path: `/v1/calls/${CALL}/say`, body: { text: 'Hello there.' }, admitted: 404 },
  'POST /v1/calls/:callSid/clear': { scope: 'calls', path: `/v1/calls/${CALL}/clear`, admitted: 404 },
  'POST /v1/calls/:callSid/hangup': { scope: 'calls', path: `/v1/calls/${CALL}/hangup`, admitted: 404 },
  'GET /v1/numbers': { scope: 'admin', path: '/v1/numbers', admitted: 200 },
  'PUT /v1/numbers/:e164': { scope: 'admin', path: '/v1/numbers/+15551230000', body: { greeting: 'Hello.', voice_id: 'kal16' }, admitted: 200 },
  'GET /v1/numbers/:e164': { scope: 'admin', path: '/v1/numbers/+15551239999', admitted: 404 },
  'DELETE /v1/numbers/:e164': { scope: 'admin', path: '/v1/numbers/+15551239998', admitted: 404 },
  'POST /v1/keys': { scope: 'admin', path: '/v1/keys', body: { name: 'made in the security suite' }, admitted: 201 },
  'GET /v1/keys': { scope: 'admin', path: '/v1/keys', admitted: 200 },
  'DELETE /v1/keys/:id': { scope: 'admin', path: '/v1/keys/00000000-0000-4000-8000-000000000000', admitted: 404 },
  'GET /v1/keys/:id/usage': { scope: 'admin', path: '/v1/keys/00000000-0000-4000-8000-000000000000/usage', admitted: 404 },
  // An endless event stream once admitted: the suite reads its status and lets it go.
  'GET /v1/calls/events': { scope: 'calls', path: '/v1/calls/events', admitted: 200 },
  'PUT /v1/lexicon/:language/:grapheme': { scope: 'admin', path: '/v1/lexicon/en/Acme', body: { alias: 'Ack me' }, admitted: 200 },
  'GET /v1/lexicon': { scope: 'admin', path: '/v1/lexicon?language=en', admitted: 200 },
  'DELETE /v1/lexicon/:language/:grapheme': { scope: 'admin', path: '/v1/lexicon/en/nothing-here', admitted: 404 },
}

// Unknown and revoked keys count as failed authentications from this one address; the limit on
// those has tests of its own (limits.test.ts), so here it is out of the way.
const NO_FAILURE_LIMIT = { authFailuresPerMinute: 100_000 }

// Started before the suite is collected: its routes are what the suite is made of.
const t: TestApp = await startApp(NO_FAILURE_LIMIT)
afterAll(() => t.close())
const served = routesOf(t.app)
const name = (r: { method: string; url: string }) => `${r.method} ${r.url}`
// HEAD is Fastify's automatic twin of each GET route: the same hooks, so the same key check.
const covered = (r: { method: string; url: string }): boolean => name(r) in KEYED || name(r) in PUBLIC || (r.method === 'HEAD' && covered({ method: 'GET', url: r.url }))
const ROUTES = served.filter((r) => name(r) in KEYED).map((r) => ({ route: name(r), ...KEYED[name(r)] }))

describe('the route list', () => {
  it('has every route the app serves either behind a key here or public for a stated reason', () => {
    expect(served.filter((r) => !covered(r)).map(name)).toEqual([])
  })

  it('names no route the app does not serve', () => {
    const names = new Set(served.map(name))
    expect([...Object.keys(KEYED), ...Object.keys(PUBLIC)].filter((r) => !names.has(r))).toEqual([])
  })

  it.each(served.filter((r) => r.method === 'HEAD' && `GET ${r.url}` in KEYED).map(name))('refuses %s without a key', async (route) => {
    const res = await fetch(t.url + KEYED[route.replace(/^HEAD/, 'GET')].path, { method: 'HEAD' })
    expect(res.status).toBe(401)
  })

  it.each(Object.keys(PUBLIC).filter((r) => !r.startsWith('OPTIONS') && !r.includes('*')))('does not ask %s for a key', async (route) => {
    const [method, path] = route.split(' ')
    const res = await fetch(t.url + path, { method })
    expect(res.status).not.toBe(401)
    await res.arrayBuffer()
  })
})

let good: string
let revoked: string
let callsOnly: string
let admin: string
// Well-formed (prefix + 43 base64url characters, the last one of the 16 a 256-bit key can end in),
// but never issued.
const unknown = 'cw_live_' + 'A'.repeat(42) + 'E'

beforeAll(async () => {
  good = await t.key()
  revoked = await t.key()
  await revokeKey(t.app.db, revoked)
  callsOnly = await t.key({ scopes: ['calls'] })
  admin = await t.key({ scopes: ['admin'] })
})

/** A key that has the route's scope, and one that lacks it (`good` has only tts). */
const holder = (scope: Scope | null) => (scope === 'calls' ? callsOnly : scope === 'admin' ? admin : good)
const lacker = (scope: Scope) => (scope === 'tts' ? callsOnly : good)

function call(route: (typeof ROUTES)[number], headers: Record<string, string>) {
  return fetch(t.url + route.path, {
    method: route.route.split(' ')[0],
    headers: route.body ? { 'content-type': 'application/json', ...headers } : headers,
    body: route.body ? JSON.stringify(route.body) : undefined,
  })
}

describe.each(ROUTES)('$route', (route) => {
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

  it(`admits a key with the scope in x-api-key, as a Bearer token, and an admin key (${route.admitted})`, async () => {
    const key = holder(route.scope)
    const ways: Array<Record<string, string>> = [{ 'x-api-key': key }, { authorization: `Bearer ${key}` }, { 'x-api-key': admin }]
    for (const headers of ways) {
      const res = await call(route, headers)
      // A PUT makes the number or entry the first time (201) and changes it after (200).
      expect(route.route.startsWith('PUT ') ? [200, 201] : [route.admitted]).toContain(res.status)
      await res.body?.cancel()
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
