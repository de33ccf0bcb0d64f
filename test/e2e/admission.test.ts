// Admission control at the configured capacity: a call past it hears a busy signal (Twilio's
// <Reject reason="busy"/>), an outbound call and a /v1/speak socket get 503 with Retry-After, a
// REST request that would wait too long behind other REST work gets the same, and the calls that
// were admitted never run dry. Refusals are counted in /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { putNumber } from '../../src/store/numbers.js'
import { ACCOUNT_SID, OUR_NUMBER, api, callIn, postWebhook, startCallRig, type CallRig } from '../helpers/twilio-app.js'
import { sid } from '../helpers/twilio-stream.js'
import { errorOf } from '../helpers/app.js'

const GREETING = 'Thank you for calling. Every line is busy right now, but this call was admitted, so it is heard to its end without a gap.'

let rig: CallRig
let key: string
beforeAll(async () => {
  rig = await startCallRig({ env: { ADMISSION_MAX_LIVE: '2', REST_MAX_WAIT: '1' } })
  await putNumber(rig.db, { e164: OUR_NUMBER, greeting: GREETING, voice: 'kal16', bargeInDigit: null })
  key = await rig.key(['calls', 'tts'])
})
afterAll(() => rig?.close())

const webhook = (callSid: string) =>
  postWebhook(rig.apps[0], '/twilio/voice', { CallSid: callSid, AccountSid: ACCOUNT_SID, From: '+15550001111', To: OUR_NUMBER, CallStatus: 'ringing', Direction: 'inbound' })

async function refusedCount(front: string): Promise<number> {
  const text = await (await fetch(`${rig.apps[0].url}/metrics`)).text()
  return Number(new RegExp(`^tts_admission_refused_total\\{front="${front}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0)
}

describe('admission control', () => {
  it('refuses the call, outbound call and socket past the cap, while the calls it admitted play without a gap', async () => {
    const first = await callIn(rig.apps[0])
    const second = await callIn(rig.apps[0])

    const busySid = sid('CA')
    const res = await webhook(busySid)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<Reject reason="busy"/>')
    const refusedCall = await api(rig.apps[0], 'GET', `/v1/calls/${busySid}`, key)
    expect((await refusedCall.json()).status).toBe('busy')

    const outbound = await api(rig.apps[0], 'POST', '/v1/calls', key, { to: '+15005550101', text: 'Hello there.' })
    expect(outbound.status).toBe(503)
    expect(outbound.headers.get('retry-after')).toMatch(/^\d+$/)
    expect((await errorOf(outbound)).code).toBe('busy')
    expect(rig.twilioApi.calls.size).toBe(0) // nothing was dialled

    const socket = new WebSocket(`${rig.apps[0].url.replace('http', 'ws')}/v1/speak`, { headers: { authorization: `Token ${key}` } })
    const status = await new Promise<number>((resolve) => socket.on('unexpected-response', (_req, r) => resolve(r.statusCode!)))
    expect(status).toBe(503)

    for (const call of [first, second]) {
      await call.stream.echoOf('e')
      expect(call.stream.underruns).toBe(0)
      expect(call.stream.violations).toEqual([])
      call.stream.sendStop()
      await call.stream.closed
    }
    expect(await refusedCount('call')).toBe(1)
    expect(await refusedCount('outbound')).toBe(1)
    expect(await refusedCount('speak')).toBe(1)

    // The places are free again once those calls ended.
    await expect.poll(async () => (await webhook(sid('CA'))).text()).toContain('<Stream')
  })

  it('refuses REST work that would wait longer than REST_MAX_WAIT behind the work before it, and takes it once that is done', async () => {
    const long = 'This is a long announcement that keeps the synthesis workers busy for a while. '.repeat(60)
    const tts = (text: string) => api(rig.apps[0], 'POST', '/v1/tts', key, { text, voice_id: 'slt', format: 'wav' })
    const first = await tts(long) // about three seconds of the pool's time: over a second for what follows
    expect(first.status).toBe(200)
    const second = await tts('A short one.')
    expect(second.status).toBe(503)
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect((await errorOf(second)).code).toBe('busy')
    await first.arrayBuffer()
    expect((await tts('A short one.')).status).toBe(200)
    expect(await refusedCount('rest')).toBe(1)
  })
})
