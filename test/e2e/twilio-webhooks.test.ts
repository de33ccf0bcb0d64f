// Webhooks and the stream upgrade must be signed by Twilio over the public URL; a stream must then
// present the token minted for its call, for a call that is still live.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import twilio from 'twilio'
import { findCall } from '../../src/store/calls.js'
import { mintStreamToken, tokenKey } from '../../src/telephony/signature.js'
import { ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, PUBLIC_BASE, callIn, openStream, postWebhook, startCallRig, upstream, type CallRig } from '../helpers/twilio-app.js'
import { TwilioStream, parseStreamTwiml, sid } from '../helpers/twilio-stream.js'

let rig: CallRig
const voice = { CallSid: '', From: '+15551230000', To: OUR_NUMBER, CallStatus: 'ringing', AccountSid: ACCOUNT_SID }
const MEDIA = `${PUBLIC_BASE.replace('https', 'wss')}/twilio/media`

beforeAll(async () => {
  rig = await startCallRig()
})
afterAll(() => rig?.close())

describe('webhook signatures', () => {
  it('refuses a missing or wrong signature with 403 and records nothing', async () => {
    for (const signature of [null, 'bm90IGEgc2lnbmF0dXJl', twilio.getExpectedTwilioSignature('wrong-token', `${PUBLIC_BASE}/twilio/voice`, voice)]) {
      const params = { ...voice, CallSid: sid('CA') }
      const res = await postWebhook(rig.apps[0], '/twilio/voice', params, signature)
      expect(res.status).toBe(403)
      expect((await res.json()).error.code).toBe('forbidden')
      expect(await findCall(rig.db, params.CallSid)).toBeNull()
    }
  })

  it('refuses a signature replayed to another URL or with changed parameters', async () => {
    const params = { ...voice, CallSid: sid('CA') }
    const forVoice = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_BASE}/twilio/voice`, params)
    expect((await postWebhook(rig.apps[0], '/twilio/status', params, forVoice)).status).toBe(403)
    expect((await postWebhook(rig.apps[0], '/twilio/voice', { ...params, To: '+15550000000' }, forVoice)).status).toBe(403)
    expect((await postWebhook(rig.apps[0], '/twilio/voice', params, forVoice)).status).toBe(200)
  })

  it('checks against PUBLIC_BASE_URL, not the Host the request arrived with', async () => {
    const params = { ...voice, CallSid: sid('CA') }
    const hostSigned = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${rig.apps[0].url}/twilio/voice`, params)
    expect((await postWebhook(rig.apps[0], '/twilio/voice', params, hostSigned)).status).toBe(403)
  })
})

describe('the stream upgrade', () => {
  it('is refused with 403 without a signature, with a wrong one, or one for another URL', async () => {
    const url = upstream(rig.apps[0], MEDIA)
    for (const signature of [null, 'AAAA', twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_BASE}/twilio/media`, {})]) {
      await expect(TwilioStream.open({ url, signedUrl: MEDIA, authToken: AUTH_TOKEN, signature })).rejects.toMatchObject({ status: 403 })
    }
  })

  it('is accepted when Twilio signed the URL with a trailing slash', async () => {
    const stream = await TwilioStream.open({ url: upstream(rig.apps[0], MEDIA), signedUrl: `${MEDIA}/`, authToken: AUTH_TOKEN })
    stream.close()
    await stream.closed
  })
})

describe('the start message', () => {
  async function twimlFor(callSid: string) {
    const res = await postWebhook(rig.apps[0], '/twilio/voice', { ...voice, CallSid: callSid })
    return res.text()
  }

  it('is refused (1008) with a wrong token, and nothing is spoken', async () => {
    const callSid = sid('CA')
    const xml = await twimlFor(callSid)
    const { parameters } = parseStreamTwiml(xml)
    const stream = await openStream(rig.apps[0], xml, { callSid, start: false })
    stream.begin({ ...parameters, token: mintStreamToken(tokenKey('some other token'), parameters.call, 60) })
    expect((await stream.closed).code).toBe(1008)
    expect(stream.count('media')).toBe(0)
  })

  it('is refused (1008) with an expired token', async () => {
    const callSid = sid('CA')
    const xml = await twimlFor(callSid)
    const { parameters } = parseStreamTwiml(xml)
    const stream = await openStream(rig.apps[0], xml, { callSid, start: false })
    stream.begin({ ...parameters, token: mintStreamToken(tokenKey(AUTH_TOKEN), parameters.call, 60, Date.now() - 3_600_000) })
    expect(await stream.closed).toMatchObject({ code: 1008, reason: 'stream token expired' })
  })

  it('is refused (1008) with a good token for another call sid', async () => {
    const xml = await twimlFor(sid('CA'))
    const stream = await openStream(rig.apps[0], xml, { callSid: sid('CA') })
    expect(await stream.closed).toMatchObject({ code: 1008, reason: 'call is not live' })
  })

  it('is refused (1008) once the call has ended', async () => {
    const callSid = sid('CA')
    const xml = await twimlFor(callSid)
    await postWebhook(rig.apps[0], '/twilio/status', { CallSid: callSid, CallStatus: 'completed' })
    const stream = await openStream(rig.apps[0], xml, { callSid })
    expect(await stream.closed).toMatchObject({ code: 1008, reason: 'call is not live' })
    expect(stream.count('media')).toBe(0) // though this instance began on the greeting it expected
  })

  it('is refused (1008) when replayed while the call already has its stream', async () => {
    const { callSid, twiml, stream } = await callIn(rig.apps[0], { speed: 50 })
    await stream.until(() => stream.count('media') > 0, 'first audio')
    const replay = await openStream(rig.apps[0], twiml, { callSid })
    expect((await replay.closed).code).toBe(1008)
    expect(stream.isClosed).toBe(false)
    stream.sendStop()
    await stream.closed
  })
})

describe('without Twilio settings', () => {
  it('answers 503 to webhooks, streams and calls rather than trusting anything', async () => {
    const bare = await startCallRig({ env: { TWILIO_AUTH_TOKEN: '', TWILIO_ACCOUNT_SID: '' } })
    try {
      const res = await postWebhook(bare.apps[0], '/twilio/voice', { ...voice, CallSid: sid('CA') })
      expect(res.status).toBe(503)
      await expect(TwilioStream.open({ url: upstream(bare.apps[0], MEDIA), signedUrl: MEDIA, authToken: AUTH_TOKEN })).rejects.toMatchObject({ status: 503 })
      const key = await bare.key()
      const placed = await fetch(`${bare.apps[0].url}/v1/calls`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ to: '+15551234567', text: 'Hi' }) })
      expect(placed.status).toBe(503)
    } finally {
      await bare.close()
    }
  })
})
