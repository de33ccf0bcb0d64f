// Whatever a client sends, the answer is a 4xx in the error shape (or audio), never a 5xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorOf, post, startApp, type TestApp } from '../helpers/app.js'

let t: TestApp
let key: string

beforeAll(async () => {
  t = await startApp({ maxTextChars: 500, bodyLimitBytes: 4096 })
  key = await t.key()
})
afterAll(() => t?.close())

const ok = { text: 'Hello there.', voice_id: 'kal' }

const BAD_TTS: Array<[string, unknown, string]> = [
  ['text missing', { voice_id: 'kal' }, 'validation_failed'],
  ['text a number', { ...ok, text: 42 }, 'validation_failed'],
  ['text an array', { ...ok, text: ['a'] }, 'validation_failed'],
  ['text null', { ...ok, text: null }, 'validation_failed'],
  ['text empty', { ...ok, text: '' }, 'validation_failed'],
  ['text too long', { ...ok, text: 'a'.repeat(501) }, 'validation_failed'],
  ['text only control characters', { ...ok, text: '\u0000\u0001\u0007\u001b' }, 'validation_failed'],
  ['text only whitespace', { ...ok, text: '   \n\t ' }, 'validation_failed'],
  ['text only punctuation', { ...ok, text: '...\n\n—' }, 'validation_failed'],
  ['voice a number', { ...ok, voice_id: 7 }, 'validation_failed'],
  ['voice with a NUL', { ...ok, voice_id: 'kal\u0000' }, 'validation_failed'],
  ['voice with SQL', { ...ok, voice_id: "kal' OR '1'='1" }, 'validation_failed'],
  ['voice too long', { ...ok, voice_id: 'k'.repeat(65) }, 'validation_failed'],
  ['voice unknown', { ...ok, voice_id: 'nobody' }, 'voice_not_found'],
  ['voice an unknown uuid', { ...ok, voice_id: '00000000-0000-4000-8000-000000000000' }, 'voice_not_found'],
  ['format unknown', { ...ok, format: 'ogg' }, 'validation_failed'],
  ['format wrong case', { ...ok, format: 'WAV' }, 'validation_failed'],
  ['speed too low', { ...ok, speed: 0.1 }, 'validation_failed'],
  ['speed too high', { ...ok, speed: 3 }, 'validation_failed'],
  ['speed a string', { ...ok, speed: '1' }, 'validation_failed'],
  ['speed negative', { ...ok, speed: -1 }, 'validation_failed'],
  ['sample rate not offered', { ...ok, sample_rate: 11025 }, 'validation_failed'],
  ['sample rate a string', { ...ok, sample_rate: '8000' }, 'validation_failed'],
  ['an unknown field', { ...ok, volume: 11 }, 'validation_failed'],
  ['a JSON array', [ok], 'validation_failed'],
  ['a JSON string', 'hello', 'validation_failed'],
]

describe('POST /v1/tts with bad input', () => {
  it.each(BAD_TTS)('%s → 4xx', async (_name, body, code) => {
    const res = await post(t.url, '/v1/tts', JSON.stringify(body), { 'x-api-key': key })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    const err = await errorOf(res)
    expect(err.code).toBe(code)
    expect(err.message.length).toBeGreaterThan(5)
  })

  it('says which field is wrong', async () => {
    const res = await post(t.url, '/v1/tts', { ...ok, speed: 3 }, { 'x-api-key': key })
    expect((await errorOf(res)).message).toMatch(/speed/)
    const missing = await post(t.url, '/v1/tts', { voice_id: 'kal' }, { 'x-api-key': key })
    expect((await errorOf(missing)).message).toMatch(/text is required/)
  })

  it.each([
    ['invalid JSON', '{"text": "hi", ', 'application/json', 400, 'invalid_json'],
    ['an empty JSON body', '', 'application/json', 400, 'validation_failed'],
    ['a prototype-poisoning body', '{"__proto__": {"admin": true}, "text": "hi", "voice_id": "kal"}', 'application/json', 400, 'invalid_json'],
    ['a form body', 'text=hi&voice_id=kal', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
    ['plain text', 'hello', 'text/plain', 415, 'unsupported_media_type'],
  ])('%s → %s %s', async (_name, body, type, status, code) => {
    const res = await fetch(`${t.url}/v1/tts`, { method: 'POST', headers: { 'content-type': type, 'x-api-key': key }, body })
    expect(res.status).toBe(status)
    expect((await errorOf(res)).code).toBe(code)
  })

  it('refuses a body over the limit with a JSON 413', async () => {
    const res = await post(t.url, '/v1/tts', { ...ok, text: 'a'.repeat(10_000) }, { 'x-api-key': key })
    expect(res.status).toBe(413)
    expect((await errorOf(res)).code).toBe('payload_too_large')
  })

  it('refuses a huge body without reading it all', async () => {
    const res = await post(t.url, '/v1/tts', { ...ok, text: 'a'.repeat(5_000_000) }, { 'x-api-key': key }).catch(() => null)
    // Either a clean 413, or the server cut the upload short; never a 5xx.
    if (res) {
      expect(res.status).toBe(413)
      expect((await errorOf(res)).code).toBe('payload_too_large')
    }
  })

  it.each([
    ['control characters inside text', 'Hello\u0000 there\u0007, how\u001b are you?'],
    ['mixed scripts', 'Hello 你好 مرحبا Привет שלום नमस्ते, thank you.'],
    ['emoji and symbols', 'Great news 🎉🎉 — 100% done ✓ § ¶ ©'],
    ['right-to-left marks and zero-width characters', 'Call\u200B me\u200F at\u2060 five\uFEFF.'],
    ['a lone surrogate', 'Broken \uD800 text.'],
    ['very long words', 'x'.repeat(400)],
    ['only punctuation', '?!.,;:'],
    ['digits only', '1234567890'.repeat(10)],
  ])('%s → audio or a 4xx, never a 5xx', async (_name, text) => {
    const res = await post(t.url, '/v1/tts', { text, voice_id: 'kal' }, { 'x-api-key': key })
    expect(res.status).toBeLessThan(500)
    if (res.status === 200) expect((await res.arrayBuffer()).byteLength).toBeGreaterThanOrEqual(44)
    else expect((await errorOf(res)).code).toBe('validation_failed')
  })
})

describe('POST /v1/audio/speech with bad input', () => {
  const base = { model: 'tts-1', input: 'Hello.', voice: 'alloy' }
  it.each([
    ['opus', { ...base, response_format: 'opus' }, 'unsupported_format'],
    ['aac', { ...base, response_format: 'aac' }, 'unsupported_format'],
    ['flac', { ...base, response_format: 'flac' }, 'unsupported_format'],
    ['an unknown format', { ...base, response_format: 'ogg' }, 'unsupported_format'],
    ['server-sent events', { ...base, stream_format: 'sse' }, 'unsupported_format'],
    ['speed 0.25 (OpenAI allows it, we do not)', { ...base, speed: 0.25 }, 'validation_failed'],
    ['speed 4', { ...base, speed: 4 }, 'validation_failed'],
    ['no input', { model: 'tts-1', voice: 'alloy' }, 'validation_failed'],
    ['no model', { input: 'Hi.', voice: 'alloy' }, 'validation_failed'],
    ['an unknown voice', { ...base, voice: 'nobody' }, 'voice_not_found'],
    ['a voice of the wrong type', { ...base, voice: 3 }, 'validation_failed'],
  ])('%s → 4xx', async (_name, body, code) => {
    const res = await post(t.url, '/v1/audio/speech', body, { authorization: `Bearer ${key}` })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect((await errorOf(res)).code).toBe(code)
  })
})

describe('unknown routes and methods', () => {
  it.each([
    ['GET', '/nope'],
    ['GET', '/v1/tts'],
    ['DELETE', '/v1/voices'],
    ['GET', '/v1/../../etc/passwd'],
  ])('%s %s → 404 in the error shape', async (method, path) => {
    const res = await fetch(t.url + path, { method })
    expect(res.status).toBe(404)
    expect((await errorOf(res)).code).toBe('not_found')
  })
})

describe('a bodiless POST sent with content-type: application/json and no body', () => {
  it('is taken as having no body, not as bad JSON', async () => {
    const admin = await t.key({ scopes: ['admin'] })
    const reload = await fetch(`${t.url}/v1/voices/reload`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': admin } })
    expect(reload.status).toBe(200)
    expect(((await reload.json()) as { voices: number }).voices).toBeGreaterThan(0)
    // No such call: the route itself answers, so the empty body got past parsing.
    const calls = await t.key({ scopes: ['calls'] })
    const clear = await fetch(`${t.url}/v1/calls/CA00000000000000000000000000000000/clear`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': calls } })
    expect(clear.status).toBe(404)
    expect((await errorOf(clear)).code).not.toBe('invalid_json')
  })

  it('still refuses a body that is only whitespace or broken JSON', async () => {
    const admin = await t.key({ scopes: ['admin'] })
    for (const body of [' ', '{']) {
      const res = await fetch(`${t.url}/v1/voices/reload`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': admin }, body })
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect((await errorOf(res)).code).toBe('invalid_json')
    }
  })
})
