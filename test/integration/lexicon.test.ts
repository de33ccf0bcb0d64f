// The pronunciation lexicon over HTTP: PUT/GET/DELETE with an admin key, an alias and an IPA entry
// heard in /v1/tts, and an entry changed on one instance heard on another (at once over Redis; a
// new instance reads what is there at start-up with or without it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorOf, post, startApp, type TestApp } from '../helpers/app.js'

let t: TestApp
let admin: string
let key: string
beforeAll(async () => {
  t = await startApp()
  admin = await t.key({ scopes: ['admin'] })
  key = await t.key()
})
afterAll(() => t?.close())

const lexicon = (method: string, path: string, body?: unknown, app = t) =>
  fetch(`${app.url}/v1/lexicon${path}`, { method, headers: { 'x-api-key': admin, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined })
const audio = async (body: Record<string, unknown>, app = t) => {
  const res = await post(app.url, '/v1/tts', { voice_id: 'slt', format: 'pcm16', ...body }, { 'x-api-key': key })
  expect(res.status).toBe(200)
  return Buffer.from(await res.arrayBuffer())
}

describe('/v1/lexicon', () => {
  it('puts (201, then 200), lists by language, and deletes (204, then 404)', async () => {
    expect((await lexicon('PUT', '/en/Zanzibar', { alias: 'Zan zee bar' })).status).toBe(201)
    const again = await lexicon('PUT', '/en/Zanzibar', { alias: 'Zanzi bar' })
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ language: 'en', grapheme: 'zanzibar', alias: 'Zanzi bar' })
    expect((await lexicon('PUT', '/fr-FR/Zanzibar', { phoneme: 'z A~ z i b a R', alphabet: 'x-sampa' })).status).toBe(201)
    const all = (await (await lexicon('GET', '')).json()) as { entries: unknown[] }
    expect(all.entries).toEqual(expect.arrayContaining([{ language: 'fr-fr', grapheme: 'zanzibar', phoneme: expect.stringContaining('ʁ') }]))
    expect(await (await lexicon('GET', '?language=EN')).json()).toEqual({ entries: [{ language: 'en', grapheme: 'zanzibar', alias: 'Zanzi bar' }] })
    expect((await lexicon('DELETE', '/en/ZANZIBAR')).status).toBe(204)
    const gone = await lexicon('DELETE', '/en/zanzibar')
    expect(gone.status).toBe(404)
    expect((await errorOf(gone)).code).toBe('not_found')
    expect((await lexicon('DELETE', '/fr-FR/zanzibar')).status).toBe(204)
  })

  it.each([
    [{ alias: 'x', phoneme: 'y' }], [{}], [{ phoneme: 'x', alphabet: 'arpabet' }], [{ alias: '' }], [{ alias: '   ' }],
  ])('refuses %j with 400', async (body) => {
    const res = await lexicon('PUT', '/en/word', body)
    expect(res.status).toBe(400)
    expect(['validation_failed', 'bad_request']).toContain((await errorOf(res)).code)
  })

  it('refuses a language that is not a BCP 47 tag, and a word with nothing to match', async () => {
    expect((await lexicon('PUT', '/english!/word', { alias: 'x' })).status).toBe(400)
    expect((await errorOf(await lexicon('PUT', '/en/...', { alias: 'x' }))).code).toBe('validation_failed')
  })

  it('needs the admin scope', async () => {
    const res = await fetch(`${t.url}/v1/lexicon`, { headers: { 'x-api-key': key } })
    expect(res.status).toBe(403)
  })
})

describe('entries heard', () => {
  it('an alias: "Acme" is said as "Ack me", by every English voice', async () => {
    const before = await audio({ text: 'Welcome to Acme.' })
    expect((await lexicon('PUT', '/en/acme', { alias: 'Ack me' })).status).toBe(201)
    const after = await audio({ text: 'Welcome to Acme.' })
    expect(after.equals(before)).toBe(false)
    expect(after.equals(await audio({ text: 'Welcome to Ack me.' }))).toBe(true)
    expect((await audio({ text: 'ACME', voice_id: 'awb' })).equals(await audio({ text: 'Ack me', voice_id: 'awb' }))).toBe(true)
  })

  it('an IPA entry: spoken from its phonemes, as an SSML phoneme is', async () => {
    const body = { text: 'Quorvex', voice_id: 'espeak-en-us' }
    const before = await audio(body)
    expect((await lexicon('PUT', '/en/Quorvex', { phoneme: 'həlˈoʊ' })).status).toBe(201)
    const after = await audio(body)
    expect(after.equals(before)).toBe(false)
    expect(after.equals(await audio({ text: '<speak><phoneme alphabet="ipa" ph="həlˈoʊ">whatever</phoneme></speak>', voice_id: 'espeak-en-us' }))).toBe(true)
  })
})

describe('more than one instance', () => {
  let other: TestApp
  beforeAll(async () => {
    other = await startApp({}, { shareWith: t })
  })
  afterAll(() => other?.close())

  it('a new instance reads the entries there are at start-up', async () => {
    expect((await audio({ text: 'Acme' }, other)).equals(await audio({ text: 'Ack me' }, other))).toBe(true)
  })

  it.runIf(process.env.REDIS_URL)('an entry changed on one instance is heard on the other at once (Redis)', async () => {
    expect((await lexicon('PUT', '/en/Blorptown', { alias: 'Bristol' })).status).toBe(201)
    await expect.poll(async () => (await audio({ text: 'Blorptown' }, other)).equals(await audio({ text: 'Bristol' }, other)), { timeout: 5000 }).toBe(true)
    expect((await lexicon('DELETE', '/en/Blorptown', undefined, other)).status).toBe(204)
    await expect.poll(async () => (await audio({ text: 'Blorptown' })).equals(await audio({ text: 'Bristol' })), { timeout: 5000 }).toBe(false)
  })
})
