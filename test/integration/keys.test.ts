// /v1/keys: an admin key makes, lists and revokes keys over HTTP while the service runs; a key
// made there works at once, and a revoked one stops at once, on every instance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorOf, post, startApp, type TestApp } from '../helpers/app.js'

let t: TestApp
let admin: string
let asAdmin: Record<string, string>

beforeAll(async () => {
  t = await startApp()
  admin = await t.key({ scopes: ['admin'] })
  asAdmin = { 'x-api-key': admin }
})
afterAll(() => t?.close())

const verify = async (app: TestApp, key: string) => (await fetch(`${app.url}/v1/auth/verify`, { headers: { 'x-api-key': key } })).status
const revoke = (app: TestApp, id: string, key = admin) => fetch(`${app.url}/v1/keys/${id}`, { method: 'DELETE', headers: { 'x-api-key': key } })

interface KeyView {
  id: string
  name: string
  prefix: string
  scopes: string[]
  rate_limit_per_minute: number
  monthly_char_limit: number
  revoked_at: string | null
}

async function make(body: Record<string, unknown>): Promise<KeyView & { key: string }> {
  const res = await post(t.url, '/v1/keys', body, asAdmin)
  expect(res.status).toBe(201)
  expect(res.headers.get('cache-control')).toBe('no-store')
  return (await res.json()) as KeyView & { key: string }
}

describe('POST /v1/keys', () => {
  it('makes a key that works at once, with the defaults, shown in this answer only', async () => {
    const made = await make({ name: 'Front desk' })
    expect(made).toMatchObject({ name: 'Front desk', scopes: ['tts'], rate_limit_per_minute: 60, monthly_char_limit: 1_000_000, revoked_at: null })
    expect(made.key.startsWith(made.prefix)).toBe(true)
    expect(await verify(t, made.key)).toBe(200)
    const speech = await post(t.url, '/v1/tts', { text: 'It works.', voice_id: 'kal' }, { 'x-api-key': made.key })
    expect(speech.status).toBe(200)
    await speech.arrayBuffer()

    const { keys } = (await (await fetch(`${t.url}/v1/keys`, { headers: asAdmin })).json()) as { keys: KeyView[] }
    const listed = keys.find((k) => k.id === made.id)!
    expect(listed).toMatchObject({ name: 'Front desk', prefix: made.prefix })
    expect(JSON.stringify(keys)).not.toContain(made.key)
    // An audit line says who made it; the key itself is in no log.
    const created = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'api key created' && l.keyId === made.id)
    expect(created).toMatchObject({ keyName: 'Front desk', scopes: ['tts'] })
    expect(t.logs.join('')).not.toContain(made.key)
  })

  it('takes scopes, limits and a prefix, and the limits hold', async () => {
    const made = await make({ name: 'Tiny', scopes: ['tts', 'calls'], rate_limit_per_minute: 2, monthly_char_limit: 5000, prefix: 'cw_test_' })
    expect(made).toMatchObject({ scopes: ['tts', 'calls'], rate_limit_per_minute: 2, monthly_char_limit: 5000 })
    expect(made.key.startsWith('cw_test_')).toBe(true)
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push(await verify(t, made.key))
    expect(statuses).toEqual([200, 200, 429])
  })

  it.each([
    ['no name', {}],
    ['an empty name', { name: '' }],
    ['a name of spaces', { name: '   ' }],
    ['an unknown scope', { name: 'x', scopes: ['root'] }],
    ['no scopes', { name: 'x', scopes: [] }],
    ['a rate of 0', { name: 'x', rate_limit_per_minute: 0 }],
    ['a negative character limit', { name: 'x', monthly_char_limit: -1 }],
    ['a prefix with a dash', { name: 'x', prefix: 'cw-live-' }],
    ['an unknown field', { name: 'x', admin: true }],
  ])('refuses %s with 400 validation_failed, and makes nothing', async (_, body) => {
    const keyCount = async () => ((await (await fetch(`${t.url}/v1/keys`, { headers: asAdmin })).json()) as { keys: unknown[] }).keys.length
    const before = await keyCount()
    const res = await post(t.url, '/v1/keys', body, asAdmin)
    expect(res.status).toBe(400)
    expect((await errorOf(res)).code).toBe('validation_failed')
    expect(await keyCount()).toBe(before)
  })
})

describe('who may', () => {
  it('refuses a key without the admin scope (403) and a request without a key (401)', async () => {
    const user = await t.key({ scopes: ['tts', 'calls'] })
    const victim = await make({ name: 'Victim' })
    for (const [key, status] of [[user, 403], ['', 401]] as const) {
      const headers: Record<string, string> = key ? { 'x-api-key': key } : {}
      expect((await post(t.url, '/v1/keys', { name: 'Mine' }, headers)).status).toBe(status)
      expect((await fetch(`${t.url}/v1/keys`, { headers })).status).toBe(status)
      expect((await fetch(`${t.url}/v1/keys/${victim.id}`, { method: 'DELETE', headers })).status).toBe(status)
    }
    expect(await verify(t, victim.key)).toBe(200)
  })
})

describe('DELETE /v1/keys/:id', () => {
  it('stops a key that was in use at once, says when, and is 404 the second time', async () => {
    const made = await make({ name: 'Leaving' })
    expect(await verify(t, made.key)).toBe(200) // now in the key cache
    const res = await revoke(t, made.id)
    expect(res.status).toBe(200)
    const revoked = (await res.json()) as KeyView
    expect(revoked.id).toBe(made.id)
    expect(Date.parse(revoked.revoked_at!)).toBeGreaterThan(Date.now() - 60_000)
    await expect.poll(() => verify(t, made.key)).toBe(401)
    const again = await revoke(t, made.id)
    expect(again.status).toBe(404)
    expect((await errorOf(again)).code).toBe('not_found')
  })

  it('answers a malformed id with 400 and an unknown one with 404', async () => {
    const malformed = await revoke(t, 'cw_live_AbCdEfGh')
    expect(malformed.status).toBe(400)
    expect((await errorOf(malformed)).code).toBe('validation_failed')
    const unknown = await revoke(t, '00000000-0000-4000-8000-000000000000')
    expect(unknown.status).toBe(404)
    expect((await errorOf(unknown)).code).toBe('not_found')
  })
})

describe.runIf(process.env.REDIS_URL)('revocation through the API, across instances', () => {
  let second: TestApp
  beforeAll(async () => {
    second = await startApp({}, { shareWith: t })
  })
  afterAll(() => second?.close())

  it('stops the key on the other instance too', async () => {
    const made = await make({ name: 'Everywhere' })
    for (const app of [t, second]) expect(await verify(app, made.key)).toBe(200)
    expect((await revoke(second, made.id)).status).toBe(200)
    for (const app of [t, second]) await expect.poll(() => verify(app, made.key)).toBe(401)
  })
})
