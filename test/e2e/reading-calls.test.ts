// What a call says is read as REST text is: SSML in a say (and refused with 400 when bad), the
// lexicon's aliases and IPA in a number's greeting. Heard through the Twilio stream stand-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { putNumber } from '../../src/store/numbers.js'
import { OUR_NUMBER, api, callIn, startCallRig, type CallRig } from '../helpers/twilio-app.js'
import { expectSpoken } from '../helpers/call-audio.js'

let rig: CallRig
let key: string
let admin: string
const ESPEAK_NUMBER = '+15005550009'

beforeAll(async () => {
  rig = await startCallRig()
  key = await rig.key()
  admin = await rig.key(['admin'])
})
afterAll(() => rig?.close())

/** The whole greeting a call to `to` hears. */
async function greeting(to = OUR_NUMBER): Promise<Buffer> {
  const { stream } = await callIn(rig.apps[0], { to, speed: 20 })
  await stream.echoOf('e')
  const audio = stream.audio()
  stream.sendStop()
  await stream.closed
  return audio
}

describe('a call reads as REST does', () => {
  it('speaks SSML in a say, and refuses bad SSML with 400 invalid_ssml', async () => {
    await putNumber(rig.db, { e164: OUR_NUMBER, greeting: 'One moment.', voice: 'kal16', bargeInDigit: null })
    const { stream, callSid } = await callIn(rig.apps[0], { speed: 20 })
    await stream.echoOf('e')
    const bad = await api(rig.apps[0], 'POST', `/v1/calls/${callSid}/say`, key, { text: '<speak><prosody rate="warp">x</prosody></speak>' })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_ssml')
    const from = stream.received.length
    const res = await api(rig.apps[0], 'POST', `/v1/calls/${callSid}/say?wait=played`, key, { text: '<speak>Press <say-as interpret-as="digits">12</say-as>.</speak>' })
    expect(await res.json()).toMatchObject({ status: 'played', heard: 'Press one two' })
    expectSpoken(stream.audio(from), 'Press one two.', 'kal16')
    const marked = await api(rig.apps[0], 'POST', `/v1/calls/${callSid}/say?wait=played`, key, { text: '<speak>Hello <mark name="greeted"/>there.<mark name="end"/></speak>' })
    expect(await marked.json()).toMatchObject({ status: 'played', heard: 'Hello there', marks: ['greeted', 'end'] })
    stream.sendStop()
    await stream.closed
  })

  it('says a lexicon alias in a greeting', async () => {
    await putNumber(rig.db, { e164: OUR_NUMBER, greeting: 'Welcome to Acme Dental.', voice: 'kal16', bargeInDigit: null })
    expect((await api(rig.apps[0], 'PUT', '/v1/lexicon/en/Acme', admin, { alias: 'Ack me' })).status).toBe(201)
    expectSpoken(await greeting(), 'Welcome to Ack me Dental.', 'kal16')
  })

  it('says a lexicon IPA entry in a greeting, as the same phonemes in SSML are said', async () => {
    await putNumber(rig.db, { e164: ESPEAK_NUMBER, greeting: 'Ask for Quorvex.', voice: 'espeak-en-us', bargeInDigit: null })
    const before = await greeting(ESPEAK_NUMBER)
    expect((await api(rig.apps[0], 'PUT', '/v1/lexicon/en/Quorvex', admin, { phoneme: 'həlˈoʊ' })).status).toBe(201)
    const after = await greeting(ESPEAK_NUMBER)
    expect(after.equals(before)).toBe(false)
    await putNumber(rig.db, { e164: ESPEAK_NUMBER, greeting: '<speak>Ask for <phoneme alphabet="ipa" ph="həlˈoʊ">it</phoneme>.</speak>', voice: 'espeak-en-us', bargeInDigit: null })
    expect((await greeting(ESPEAK_NUMBER)).equals(after)).toBe(true)
  })
})
