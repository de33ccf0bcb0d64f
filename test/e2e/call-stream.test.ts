// The media stream under use: pacing by mark echoes, barge-in, a peer that breaks the protocol,
// and callers hanging up mid-sentence. Nothing here depends on how fast the machine is: waits are
// for events, and the checks are on what was sent and what is left running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findCall } from '../../src/store/calls.js'
import { putNumber } from '../../src/store/numbers.js'
import { OUR_NUMBER, api, callIn, startCallRig, type CallRig } from '../helpers/twilio-app.js'
import { formatMark, parseMark } from '../../src/telephony/playout.js'
import { expectSpoken } from '../helpers/call-audio.js'

let rig: CallRig
let key: string
const LONG = [
  'Thank you for calling Acme Dental.',
  'Our office is open from nine in the morning until five in the evening, Monday through Friday.',
  'If you would like to book an appointment, please stay on the line and one of our staff will be with you shortly.',
  'We are located at the corner of Main Street and Elm Avenue, across from the public library.',
  'Parking is available behind the building, and the entrance is on the left.',
].join(' ')
const BARGE_NUMBER = '+15005550007'

beforeAll(async () => {
  rig = await startCallRig()
  key = await rig.key()
  await putNumber(rig.db, { e164: OUR_NUMBER, greeting: LONG, voice: 'kal16', bargeInDigit: null })
  await putNumber(rig.db, { e164: BARGE_NUMBER, greeting: LONG, voice: 'kal16', bargeInDigit: '#' })
})
afterAll(() => rig?.close())

const app = () => rig.apps[0].app
const idle = () => app().pool.running + app().pool.queued === 0 && app().telephony.hub.size === 0

async function metric(name: string): Promise<number> {
  const m = await app().metrics.registry.getSingleMetric(name)?.get()
  return (m?.values ?? []).reduce((sum, v) => sum + v.value, 0)
}

describe('pacing', () => {
  it('never sends more than a second beyond what the echoed marks say was heard', async () => {
    const { stream } = await callIn(rig.apps[0], { speed: 8 })
    await stream.echoOf('e', 60_000)
    expect(stream.violations).toEqual([])
    expect(stream.maxAheadFrames).toBeLessThanOrEqual(50)
    expect(stream.maxAheadFrames).toBeGreaterThan(10) // it does send ahead, not frame by frame
    expectSpoken(stream.audio(), LONG, 'kal16')
    stream.sendStop()
    await stream.closed
  })

  it('holds at a second ahead while nothing is played, and goes on once it is', async () => {
    // A listener a thousand times slower than real time: no mark comes back for minutes.
    const { stream, callSid } = await callIn(rig.apps[0], { speed: 0.001 })
    await stream.until(() => stream.count('media') === 50, '50 frames')
    // Everything the service will make for now is made: the look-ahead is bounded too.
    await expect.poll(() => app().pool.running + app().pool.queued, { timeout: 20_000 }).toBe(0)
    expect(stream.count('media')).toBe(50)
    const res = await api(rig.apps[0], 'GET', `/v1/calls/${callSid}`, key)
    expect(await res.json()).toMatchObject({ live: true, frames_sent: 50, ms_played: 0 })
    stream.sendStop()
    await stream.closed
  })
})

describe('barge-in', () => {
  it('on the number\'s key: clear, no stale audio after it, cleared audio not counted as heard', async () => {
    const { stream, callSid } = await callIn(rig.apps[0], { to: BARGE_NUMBER, speed: 1 })
    await stream.until(() => stream.echoed.some((n) => parseMark(n)?.kind === 'm'), 'a first pacing echo')
    stream.sendDtmf('1') // not the barge-in key: nothing happens
    stream.sendDtmf('#')
    await stream.until(() => stream.count('clear') === 1, 'clear')
    const [{ received, buffered }] = stream.clears
    expect(buffered).toBeGreaterThan(160 * 10) // there was unheard audio to throw away
    const afterClear = stream.received.length
    // The synthesis of the rest of the greeting is cancelled.
    await expect.poll(() => app().pool.running + app().pool.queued, { timeout: 20_000 }).toBe(0)
    const info = await (await api(rig.apps[0], 'GET', `/v1/calls/${callSid}`, key)).json()
    expect(info.frames_sent).toBe(received / 160)
    // Heard: at most what had played when the clear came; the stale echoes after it do not count.
    expect(info.ms_played * 8).toBeLessThanOrEqual(received - buffered + 160 * 10)
    expect(info.ms_played * 8).toBeLessThan(received)
    expect(stream.received.slice(afterClear).filter((r) => r.event === 'media')).toHaveLength(0)

    // What comes next is exactly the new speech: nothing of the old greeting slipped through.
    const res = await api(rig.apps[0], 'POST', `/v1/calls/${callSid}/say?wait=played`, key, { text: 'How can I help?' })
    expect(await res.json()).toMatchObject({ status: 'played' })
    expectSpoken(stream.audio(afterClear), 'How can I help?', 'kal16')
    expect(stream.violations).toEqual([])
    stream.sendStop()
    await stream.closed
  })

  it('through the API: say with interrupt replaces what is playing', async () => {
    const { stream, callSid } = await callIn(rig.apps[0], { speed: 1 })
    await stream.until(() => stream.count('media') > 20, 'audio')
    const res = await api(rig.apps[0], 'POST', `/v1/calls/${callSid}/say?wait=played`, key, { text: 'Sorry, one moment.', interrupt: true })
    expect(await res.json()).toMatchObject({ status: 'played' })
    const clearAt = stream.received.findIndex((r) => r.event === 'clear')
    expect(clearAt).toBeGreaterThan(0)
    expectSpoken(stream.audio(clearAt), 'Sorry, one moment.', 'kal16')
    stream.sendStop()
    await stream.closed
  })
})

describe('a peer that breaks the protocol', () => {
  it('is counted and logged, and the call goes on', async () => {
    const before = await metric('tts_call_protocol_errors_total')
    const { stream } = await callIn(rig.apps[0], { speed: 20 })
    stream.sendRaw('{"event":')
    stream.sendRaw(Buffer.from([1, 2, 3]))
    stream.sendJson({ event: 'dance', sequenceNumber: '99', streamSid: stream.streamSid })
    stream.sendJson({ event: 'media', sequenceNumber: '100', streamSid: 'MZ0000', media: { track: 'inbound', chunk: '1', timestamp: '0', payload: '' } })
    stream.sendJson({ event: 'mark', sequenceNumber: '101', streamSid: stream.streamSid, mark: { name: formatMark({ generation: 0, kind: 'm', n: 99999 }) } }) // one we never sent
    for (let i = 0; i < 100; i++) stream.sendMedia() // caller audio is fine
    await stream.echoOf('e')
    expect(await metric('tts_call_protocol_errors_total')).toBe(before + 5)
    expect(stream.isClosed).toBe(false)
    expect(stream.violations).toEqual([])
    expect(rig.apps[0].logs.some((l) => l.includes('media stream protocol error'))).toBe(true)
    stream.sendStop()
    await stream.closed
  })

  it('is closed with 1008 once it keeps at it', async () => {
    const { stream } = await callIn(rig.apps[0], { speed: 1 })
    for (let i = 0; i < 20; i++) stream.sendRaw('not json')
    expect(await stream.closed).toMatchObject({ code: 1008, reason: 'too many protocol errors' })
    await expect.poll(idle, { timeout: 20_000 }).toBe(true)
    expect((await fetch(`${rig.apps[0].url}/health`)).status).toBe(200)
  })

  it('is closed with 1008 when it never sends start', async () => {
    const { stream } = await callIn(rig.apps[0], { start: false })
    stream.sendJson({ event: 'connected', protocol: 'Call', version: '1.0.0' })
    stream.sendMedia()
    expect((await stream.closed).code).toBe(1008)
  })
})

describe('hang-ups', () => {
  it('20 callers gone mid-sentence leave no synthesis running or queued and no session', async () => {
    const calls = await Promise.all(Array.from({ length: 20 }, () => callIn(rig.apps[0], { speed: 1 })))
    await Promise.all(calls.map(({ stream }) => stream.until(() => stream.count('media') > 0, 'audio')))
    calls.forEach(({ stream }, i) => {
      if (i % 2 === 0) stream.sendStop() // Twilio's way
      else stream.ws.terminate() // the connection just drops
    })
    await Promise.all(calls.map(({ stream }) => stream.closed))
    await expect.poll(idle, { timeout: 30_000 }).toBe(true)
    expect(await metric('tts_active_calls')).toBe(0)
    for (const { callSid } of calls) await expect.poll(async () => (await findCall(rig.db, callSid))?.status).toBe('completed')
  })
})
