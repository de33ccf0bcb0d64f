// Signatures made by the twilio package's own helper: good, bad, missing, replayed to another URL;
// the stream upgrade with and without a trailing slash; the per-call stream token; TwiML.
import twilio from 'twilio'
import { describe, expect, it } from 'vitest'
import { checkStreamToken, mintStreamToken, streamUrl, tokenKey, validStreamUpgrade, validWebhook } from '../../src/telephony/signature.js'
import { streamTwiml } from '../../src/telephony/twiml.js'

const TOKEN = 'auth-token-for-tests'
const BASE = 'https://calls.example.test'
const params = { CallSid: 'CA0123', From: '+15551230000', To: '+15005550006', CallStatus: 'ringing' }
const sign = (url: string, p: Record<string, string> = params) => twilio.getExpectedTwilioSignature(TOKEN, url, p)

describe('webhook signatures', () => {
  it('accepts the signature Twilio makes over the public URL and the form', () => {
    expect(validWebhook(TOKEN, BASE, '/twilio/voice', sign(`${BASE}/twilio/voice`), params)).toBe(true)
  })

  it('covers the query string too', () => {
    const path = '/twilio/status?ref=7d1c2b1e-0000-4000-8000-000000000000'
    expect(validWebhook(TOKEN, BASE, path, sign(BASE + path), params)).toBe(true)
    expect(validWebhook(TOKEN, BASE, '/twilio/status?ref=other', sign(BASE + path), params)).toBe(false)
  })

  it('refuses a missing, empty or wrong signature', () => {
    expect(validWebhook(TOKEN, BASE, '/twilio/voice', undefined, params)).toBe(false)
    expect(validWebhook(TOKEN, BASE, '/twilio/voice', '', params)).toBe(false)
    expect(validWebhook(TOKEN, BASE, '/twilio/voice', twilio.getExpectedTwilioSignature('other-token', `${BASE}/twilio/voice`, params), params)).toBe(false)
  })

  it('refuses a signature replayed to another URL or with other parameters', () => {
    const good = sign(`${BASE}/twilio/voice`)
    expect(validWebhook(TOKEN, BASE, '/twilio/status', good, params)).toBe(false)
    expect(validWebhook(TOKEN, 'https://evil.example', '/twilio/voice', good, params)).toBe(false)
    expect(validWebhook(TOKEN, BASE, '/twilio/voice', good, { ...params, To: '+15550000000' })).toBe(false)
  })

  it('checks the wss:// URL of a stream upgrade, with or without a trailing slash', () => {
    const url = streamUrl(BASE, '/twilio/media')
    expect(url).toBe('wss://calls.example.test/twilio/media')
    expect(validStreamUpgrade(TOKEN, url, sign(url, {}))).toBe(true)
    expect(validStreamUpgrade(TOKEN, url, sign(`${url}/`, {}))).toBe(true)
    expect(validStreamUpgrade(TOKEN, url, sign(`${BASE}/twilio/media`, {}))).toBe(false)
    expect(validStreamUpgrade(TOKEN, url, undefined)).toBe(false)
  })
})

describe('stream tokens', () => {
  const key = tokenKey(TOKEN)
  const call = '7d1c2b1e-0000-4000-8000-000000000000'

  it('is valid for its call until it expires', () => {
    const now = Date.now()
    const token = mintStreamToken(key, call, 60, now)
    expect(checkStreamToken(key, call, token, now)).toEqual({ ok: true })
    expect(checkStreamToken(key, call, token, now + 59_000)).toEqual({ ok: true })
    expect(checkStreamToken(key, call, token, now + 61_000)).toEqual({ ok: false, reason: 'expired' })
  })

  it('is refused for another call, another auth token, or when tampered with', () => {
    const token = mintStreamToken(key, call, 60)
    expect(checkStreamToken(key, '7d1c2b1e-0000-4000-8000-000000000001', token)).toMatchObject({ ok: false, reason: 'bad_signature' })
    expect(checkStreamToken(tokenKey('other'), call, token)).toMatchObject({ ok: false, reason: 'bad_signature' })
    const [exp, mac] = token.split('.')
    expect(checkStreamToken(key, call, `${Number(exp) + 3600}.${mac}`)).toMatchObject({ ok: false, reason: 'bad_signature' })
    expect(checkStreamToken(key, call, 'nonsense')).toMatchObject({ ok: false, reason: 'malformed' })
    expect(checkStreamToken(key, call, undefined)).toMatchObject({ ok: false, reason: 'malformed' })
  })
})

describe('TwiML', () => {
  it('opens a bidirectional stream with escaped parameters', () => {
    const xml = streamTwiml('wss://h/twilio/media', { call: 'a"b', token: '<t&>' })
    expect(xml).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://h/twilio/media">' +
      '<Parameter name="call" value="a&quot;b"/><Parameter name="token" value="&lt;t&amp;>"/></Stream></Connect></Response>')
  })

  it('refuses a stream URL with a query string (Twilio error 31920)', () => {
    expect(() => streamTwiml('wss://h/twilio/media?token=x', { call: 'c', token: 't' })).toThrow(/query/)
  })
})
