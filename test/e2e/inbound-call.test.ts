// A call comes in: the voice webhook answers with TwiML that opens a stream, and the stream speaks
// the number's greeting as valid 20 ms μ-law frames, the engine's own audio as sox brings it to 8 kHz.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findCall } from '../../src/store/calls.js'
import { putNumber } from '../../src/store/numbers.js'
import { OUR_NUMBER, PUBLIC_BASE, callIn, postWebhook, startCallRig, type CallRig } from '../helpers/twilio-app.js'
import { parseStreamTwiml, sid } from '../helpers/twilio-stream.js'
import { expectSpoken } from '../helpers/call-audio.js'
import { read } from '../../src/speech/read.js'
import { parseMark } from '../../src/telephony/playout.js'

let rig: CallRig
const GREETING = 'Thank you for calling Acme Dental. Our office is open from nine to five, Monday through Friday.'

beforeAll(async () => {
  rig = await startCallRig()
  await putNumber(rig.db, { e164: OUR_NUMBER, greeting: GREETING, voice: 'kal16', bargeInDigit: null })
})
afterAll(() => rig?.close())

describe('the voice webhook', () => {
  it('answers with <Connect><Stream> on the public wss:// URL, context in <Parameter>s, no query string', async () => {
    const callSid = sid('CA')
    const res = await postWebhook(rig.apps[0], '/twilio/voice', { CallSid: callSid, From: '+15551230000', To: OUR_NUMBER, CallStatus: 'ringing', Direction: 'inbound' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/)
    const xml = await res.text()
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Connect><Stream url="wss:\/\/calls\.example\.test\/twilio\/media">/)
    const { url, parameters } = parseStreamTwiml(xml)
    expect(url).toBe(`${PUBLIC_BASE.replace('https', 'wss')}/twilio/media`)
    expect(url).not.toContain('?')
    expect(Object.keys(parameters).sort()).toEqual(['call', 'token'])
    for (const [name, value] of Object.entries(parameters)) expect(name.length + value.length).toBeLessThan(500)
    const call = await findCall(rig.db, callSid)
    expect(call).toMatchObject({ callSid, id: parameters.call, direction: 'inbound', status: 'ringing', text: GREETING, voice: 'kal16' })
  })

  it('records a call once however often Twilio retries the webhook', async () => {
    const callSid = sid('CA')
    const params = { CallSid: callSid, From: '+15551230000', To: OUR_NUMBER, CallStatus: 'ringing' }
    const [a, b] = await Promise.all([postWebhook(rig.apps[0], '/twilio/voice', params), postWebhook(rig.apps[0], '/twilio/voice', params)])
    const ids = [parseStreamTwiml(await a.text()).parameters.call, parseStreamTwiml(await b.text()).parameters.call]
    expect(ids[0]).toBe(ids[1])
    const rows = await rig.db.query('SELECT id FROM calls WHERE call_sid = $1', [callSid])
    expect(rows).toHaveLength(1)
  })

  it('uses the default greeting and voice for a number it has no settings for', async () => {
    const res = await postWebhook(rig.apps[0], '/twilio/voice', { CallSid: sid('CA'), To: '+15559990000', CallStatus: 'ringing' })
    const { parameters } = parseStreamTwiml(await res.text())
    const [row] = await rig.db.query<{ text: string; voice_slug: string; barge_in_digit: string }>('SELECT text, voice_slug, barge_in_digit FROM calls WHERE id = $1', [parameters.call])
    expect(row).toEqual({ text: rig.apps[0].config.calls.greeting, voice_slug: 'kal16', barge_in_digit: '*' })
  })

  it('hangs up on a webhook for a call that is already over', async () => {
    const callSid = sid('CA')
    await postWebhook(rig.apps[0], '/twilio/status', { CallSid: callSid, CallStatus: 'completed' })
    await postWebhook(rig.apps[0], '/twilio/voice', { CallSid: callSid, To: OUR_NUMBER, CallStatus: 'completed' })
    const res = await postWebhook(rig.apps[0], '/twilio/voice', { CallSid: callSid, To: OUR_NUMBER, CallStatus: 'ringing' })
    expect(await res.text()).toContain('<Hangup/>')
  })
})

describe('the media stream', () => {
  it('speaks the greeting in valid frames, as the engine says it (compared through sox)', async () => {
    const { stream, callSid } = await callIn(rig.apps[0], { speed: 20 })
    await stream.echoOf('e')
    expect(stream.violations).toEqual([])
    const got = stream.audio()
    const snr = expectSpoken(got, GREETING, 'kal16')
    console.log(`greeting over the call: ${got.length / 8000} s of audio; SNR against sox's 8 kHz conversion of Flite's direct output ${snr.toFixed(1)} dB`)
    // A mark after each segment, and pacing marks in between, every one echoed once played.
    const segments = read(GREETING, rig.apps[0].app.synth.voice('kal16')!).length
    const marks = stream.received.map((r) => parseMark(r.name ?? '')).filter((m) => m?.generation === 0)
    expect(marks.filter((m) => m!.kind === 's')).toHaveLength(segments - 1)
    expect(marks.filter((m) => m!.kind === 'e')).toHaveLength(1)
    stream.sendStop()
    await stream.closed
    await expect.poll(async () => (await findCall(rig.db, callSid))?.status).toBe('completed')
    const call = await findCall(rig.db, callSid)
    expect(call!.framesSent).toBe(got.length / 160)
    expect(call!.msPlayed).toBe((got.length / 160) * 20)
  })
})
