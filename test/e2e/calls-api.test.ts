// The calls API against a local stand-in for Twilio's REST API: placing a call (and the toll-fraud
// and concurrency guards), speaking into it, hanging it up; and the numbers API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findCall } from '../../src/store/calls.js'
import { ACCOUNT_SID, PUBLIC_BASE, api, openStream, postWebhook, startCallRig, type CallRig } from '../helpers/twilio-app.js'
import type { FakeCall } from '../helpers/twilio-api.js'
import type { TwilioStream } from '../helpers/twilio-stream.js'
import { expectSpoken } from '../helpers/call-audio.js'

let rig: CallRig
let key: string
const TEXT = 'Hello, this is Acme Dental reminding you of your appointment tomorrow at 3:30 p.m.'

beforeAll(async () => {
  rig = await startCallRig({ env: { MAX_CALLS_PER_KEY: '2', ALLOWED_DIAL_PREFIXES: '+1,+4420' } })
  key = await rig.key()
})
afterAll(() => rig?.close())

const place = (body: Record<string, unknown>, k = key) => api(rig.apps[0], 'POST', '/v1/calls', k, { to: '+15551234567', text: TEXT, ...body })

/** Twilio answers the call: a status callback, then the stream its inline TwiML asks for. */
async function answer(call: FakeCall, speed = 20): Promise<TwilioStream> {
  const path = call.statusCallback!.slice(PUBLIC_BASE.length)
  await postWebhook(rig.apps[0], path, { CallSid: call.sid, CallStatus: 'in-progress', AccountSid: ACCOUNT_SID })
  return openStream(rig.apps[0], call.twiml, { callSid: call.sid, speed })
}

async function hangUpAll(): Promise<void> {
  for (const c of rig.twilioApi.calls.values()) {
    if (c.status !== 'completed') await api(rig.apps[0], 'POST', `/v1/calls/${c.sid}/hangup`, key)
  }
}

describe('placing a call', () => {
  it('asks Twilio for the call with TwiML that opens a stream, and the stream speaks the text', async () => {
    const res = await place({ voice_id: 'kal16' })
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(body).toMatchObject({ direction: 'outbound-api', to: '+15551234567', from: '+15005550006', status: 'queued', voice_id: 'kal16', live: false })
    const call = rig.twilioApi.calls.get(body.call_sid)!
    expect(call.twiml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Connect><Stream url="wss:\/\/calls\.example\.test\/twilio\/media">/)
    expect(call.statusCallback).toBe(`${PUBLIC_BASE}/twilio/status?ref=${body.id}`)
    expect(call.statusCallbackEvents).toEqual(['initiated', 'ringing', 'answered', 'completed'])

    const stream = await answer(call)
    await stream.echoOf('e')
    expect(stream.violations).toEqual([])
    expectSpoken(stream.audio(), TEXT, 'kal16')

    const info = await (await api(rig.apps[0], 'GET', `/v1/calls/${body.call_sid}`, key)).json()
    expect(info).toMatchObject({ call_sid: body.call_sid, status: 'in-progress', live: true, frames_sent: stream.count('media'), ms_played: stream.count('media') * 20 })

    rig.twilioApi.onHangup = () => stream.sendStop()
    const hung = await api(rig.apps[0], 'POST', `/v1/calls/${body.call_sid}/hangup`, key)
    expect(await hung.json()).toEqual({ status: 'completed' })
    await stream.closed
    // The hang-up marks the call completed at once; the stream's end (its frame count) is written as
    // the socket closes, a moment later.
    await expect.poll(async () => (await findCall(rig.db, body.call_sid))?.framesSent).toBe(stream.count('media'))
    const listed = await (await api(rig.apps[0], 'GET', '/v1/calls', key)).json()
    expect(listed.calls[0]).toMatchObject({ call_sid: body.call_sid, status: 'completed', live: false, frames_sent: stream.count('media') })
  })

  it('refuses a number that is not E.164 (400) and one outside ALLOWED_DIAL_PREFIXES (403), before calling Twilio', async () => {
    const before = rig.twilioApi.requests.length
    for (const to of ['5551234567', '+0123', '+1 555 123 4567', '']) expect((await place({ to })).status).toBe(400)
    const res = await place({ to: '+447911123456' }) // +44 but not +4420
    expect(res.status).toBe(403)
    expect((await res.json()).error.message).toContain('ALLOWED_DIAL_PREFIXES')
    expect((await place({ to: '+882345678901' })).status).toBe(403)
    expect(rig.twilioApi.requests.length).toBe(before)
  })

  it('caps the calls one key has live at once (429), and frees a place when one ends', async () => {
    const a = await (await place({})).json()
    await place({})
    const third = await place({})
    expect(third.status).toBe(429)
    expect(third.headers.get('retry-after')).toBeTruthy()
    const other = await rig.key()
    expect((await place({}, other)).status).toBe(201) // another key has its own cap
    await postWebhook(rig.apps[0], `/twilio/status?ref=${a.id}`, { CallSid: a.call_sid, CallStatus: 'no-answer' })
    expect((await place({})).status).toBe(201)
    await hangUpAll()
  })

  it('passes Twilio\'s refusal on (400), and a failed call holds no place under the cap and costs no characters', async () => {
    const usage = async () => (await (await api(rig.apps[0], 'GET', '/v1/usage', key)).json()) as { characters: number; remaining: { characters_this_month: number } }
    const before = await usage()
    rig.twilioApi.failNext = { status: 400, code: 21215, message: 'Geo permission configuration is not permitting call' }
    const res = await place({})
    expect(res.status).toBe(400)
    expect((await res.json()).error.message).toContain('Geo permission')
    rig.twilioApi.failNext = { status: 500, code: 20500, message: 'Internal' }
    expect((await place({})).status).toBe(502)
    expect(await usage()).toMatchObject({ characters: before.characters, remaining: before.remaining })
    expect((await place({})).status).toBe(201)
    const after = await usage()
    expect(after.characters).toBe(before.characters + TEXT.length)
    expect(after.remaining.characters_this_month).toBe(before.remaining.characters_this_month - TEXT.length)
    await hangUpAll()
  })

  it('needs the calls scope', async () => {
    const tts = await rig.key(['tts'])
    expect((await place({}, tts)).status).toBe(403)
    expect((await api(rig.apps[0], 'GET', '/v1/calls', tts)).status).toBe(403)
  })
})

describe('a live call', () => {
  it('says more on request, answers ?wait=played once heard, clears, and 409s once the call is over', async () => {
    const body = await (await place({ text: 'One moment please.' })).json()
    const stream = await answer(rig.twilioApi.calls.get(body.call_sid)!)
    await stream.echoOf('e')
    const mark = stream.received.length
    const res = await api(rig.apps[0], 'POST', `/v1/calls/${body.call_sid}/say?wait=played`, key, { text: 'Your table is ready.', voice_id: 'slt' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'played', heard: 'Your table is ready' })
    expectSpoken(stream.audio(mark), 'Your table is ready.', 'slt')

    const queued = await api(rig.apps[0], 'POST', `/v1/calls/${body.call_sid}/say`, key, { text: 'And more.' })
    expect(queued.status).toBe(202)
    expect(await queued.json()).toMatchObject({ status: 'queued' })
    expect((await api(rig.apps[0], 'POST', `/v1/calls/${body.call_sid}/clear`, key)).status).toBe(200)
    await stream.until(() => stream.count('clear') === 1, 'clear')

    expect((await api(rig.apps[0], 'POST', `/v1/calls/${body.call_sid}/say`, key, { text: 'x', voice_id: 'nope' })).status).toBe(404)
    stream.sendStop()
    await stream.closed
    await expect.poll(async () => (await findCall(rig.db, body.call_sid))?.status).toBe('completed')
    expect((await api(rig.apps[0], 'POST', `/v1/calls/${body.call_sid}/say`, key, { text: 'Hello?' })).status).toBe(409)
    expect((await api(rig.apps[0], 'POST', `/v1/calls/${body.call_sid}/clear`, key)).status).toBe(409)
    // Twilio says 20404 to a hang-up of a call it has ended; so do we, without an error.
    expect(await (await api(rig.apps[0], 'POST', `/v1/calls/${body.call_sid}/hangup`, key)).json()).toEqual({ status: 'completed' })
  })

  it('answers a say cut short with the words the caller heard to their end, and no more', async () => {
    const body = await (await place({ text: 'Hello.' })).json()
    const stream = await answer(rig.twilioApi.calls.get(body.call_sid)!)
    await stream.echoOf('e')
    const text = 'First, the opening hours. We are open from nine to five. On Saturdays we close at noon. On Sundays we are closed all day.'
    const said = api(rig.apps[0], 'POST', `/v1/calls/${body.call_sid}/say?wait=played`, key, { text, voice_id: 'kal16' })
    await stream.echoOf('s') // the first segment has played
    expect((await api(rig.apps[0], 'POST', `/v1/calls/${body.call_sid}/clear`, key)).status).toBe(200)
    const result = (await (await said).json()) as { status: string; heard: string }
    expect(result.status).toBe('interrupted')
    const words = result.heard.split(' ')
    expect(words.length).toBeGreaterThanOrEqual(1) // at least the first segment, "First,"
    expect(text.replace(/[.,]/g, '').startsWith(result.heard)).toBe(true)
    expect(result.heard.length).toBeLessThan(text.length / 2)
    stream.sendStop()
    await stream.closed
  })

  it('hides other keys\' calls (404)', async () => {
    const body = await (await place({})).json()
    const other = await rig.key()
    expect((await api(rig.apps[0], 'GET', `/v1/calls/${body.call_sid}`, other)).status).toBe(404)
    expect((await api(rig.apps[0], 'POST', `/v1/calls/${body.call_sid}/say`, other, { text: 'hi' })).status).toBe(404)
    expect((await api(rig.apps[0], 'GET', `/v1/calls/${body.call_sid}`, await rig.key(['admin']))).status).toBe(200)
    expect((await api(rig.apps[0], 'GET', '/v1/calls/CA00000000000000000000000000000000', key)).status).toBe(404)
    await hangUpAll()
  })

  it('hangs up through Twilio even when Twilio has already ended it (20404)', async () => {
    const body = await (await place({})).json()
    rig.twilioApi.calls.get(body.call_sid)!.status = 'completed' // ended on Twilio's side, no callback yet
    const res = await api(rig.apps[0], 'POST', `/v1/calls/${body.call_sid}/hangup`, key)
    expect(await res.json()).toEqual({ status: 'completed' })
    expect((await findCall(rig.db, body.call_sid))!.status).toBe('completed')
  })
})

describe('numbers', () => {
  it('are set, read, listed and deleted by an admin key only', async () => {
    const admin = await rig.key(['admin'])
    const path = '/v1/numbers/+15005550123'
    expect((await api(rig.apps[0], 'PUT', path, key, { greeting: 'Hi', voice_id: 'slt' })).status).toBe(403)
    const put = await api(rig.apps[0], 'PUT', path, admin, { greeting: 'Welcome to Acme.', voice_id: 'slt', barge_in_digit: '#' })
    expect(put.status).toBe(201)
    expect(await put.json()).toMatchObject({ e164: '+15005550123', greeting: 'Welcome to Acme.', voice_id: 'slt', barge_in_digit: '#' })
    expect((await api(rig.apps[0], 'PUT', path, admin, { greeting: 'Welcome back.', voice_id: 'kal16' })).status).toBe(200)
    expect(await (await api(rig.apps[0], 'GET', path, admin)).json()).toMatchObject({ greeting: 'Welcome back.', voice_id: 'kal16', barge_in_digit: null })
    expect((await (await api(rig.apps[0], 'GET', '/v1/numbers', admin)).json()).numbers.map((n: { e164: string }) => n.e164)).toContain('+15005550123')
    expect((await api(rig.apps[0], 'PUT', path, admin, { greeting: 'Hi', voice_id: 'nope' })).status).toBe(404)
    expect((await api(rig.apps[0], 'PUT', path, admin, { greeting: 'Hi', voice_id: 'slt', barge_in_digit: '12' })).status).toBe(400)
    expect((await api(rig.apps[0], 'PUT', '/v1/numbers/5551234', admin, { greeting: 'Hi', voice_id: 'slt' })).status).toBe(400)
    expect((await api(rig.apps[0], 'DELETE', path, admin)).status).toBe(204)
    expect((await api(rig.apps[0], 'DELETE', path, admin)).status).toBe(404)
    expect((await api(rig.apps[0], 'GET', path, admin)).status).toBe(404)
  })
})

describe('every calls and numbers route', () => {
  const CA = 'CA0123456789abcdef0123456789abcdef'
  const routes: [string, string, unknown, 'calls' | 'admin'][] = [
    ['POST', '/v1/calls', { to: '+15551234567', text: 'Hi' }, 'calls'],
    ['GET', '/v1/calls', undefined, 'calls'],
    ['GET', `/v1/calls/${CA}`, undefined, 'calls'],
    ['POST', `/v1/calls/${CA}/say`, { text: 'Hi' }, 'calls'],
    ['POST', `/v1/calls/${CA}/clear`, undefined, 'calls'],
    ['POST', `/v1/calls/${CA}/hangup`, undefined, 'calls'],
    ['PUT', '/v1/numbers/+15005550123', { greeting: 'Hi', voice_id: 'slt' }, 'admin'],
    ['GET', '/v1/numbers', undefined, 'admin'],
    ['GET', '/v1/numbers/+15005550123', undefined, 'admin'],
    ['DELETE', '/v1/numbers/+15005550123', undefined, 'admin'],
  ]

  it.each(routes)('%s %s wants a key (401) with its scope (403)', async (method, path, body, scope) => {
    const none = await fetch(rig.apps[0].url + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined })
    expect(none.status).toBe(401)
    expect((await none.json()).error.code).toBe('unauthorized')
    const wrong = await api(rig.apps[0], method, path, await rig.key(scope === 'admin' ? ['calls'] : ['tts']), body)
    expect(wrong.status).toBe(403)
    expect((await wrong.json()).error.code).toBe('forbidden')
  })

  it('lists with a limit and only the live ones on request', async () => {
    const body = await (await place({})).json()
    const live = await (await api(rig.apps[0], 'GET', '/v1/calls?live=true&limit=200', key)).json()
    expect(live.calls.map((c: { call_sid: string }) => c.call_sid)).toContain(body.call_sid)
    expect(live.calls.every((c: { ended_at: string | null }) => c.ended_at === null)).toBe(true)
    expect((await (await api(rig.apps[0], 'GET', '/v1/calls?limit=1', key)).json()).calls).toHaveLength(1)
    for (const q of ['limit=0', 'limit=201', 'limit=x', 'live=yes']) expect((await api(rig.apps[0], 'GET', `/v1/calls?${q}`, key)).status).toBe(400)
    await hangUpAll()
  })

  it('counts frames and first media in /metrics', async () => {
    const text = await (await fetch(`${rig.apps[0].url}/metrics`)).text()
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1])
    expect(value('tts_call_frames_sent_total')).toBeGreaterThan(0)
    expect(value('tts_call_time_to_first_media_seconds_count')).toBeGreaterThan(0)
    expect(value('tts_active_calls')).toBe(0)
  })
})
