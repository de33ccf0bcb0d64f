// A call left in silence: once its greeting has played and the caller says nothing for
// CALL_IDLE_TIMEOUT, the service says "Goodbye." and closes the stream; a caller who keeps
// talking (real speech, as μ-law frames in real time) keeps the line open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { putNumber } from '../../src/store/numbers.js'
import { OUR_NUMBER, callIn, startCallRig, type CallRig } from '../helpers/twilio-app.js'
import { lineNoiseFrames, spokenFrames } from '../helpers/caller-voice.js'
import type { TwilioStream } from '../helpers/twilio-stream.js'
import { expectSpoken } from '../helpers/call-audio.js'

const IDLE_S = 2 // seconds: long enough that a shared machine's pause in sending is not taken for silence
let rig: CallRig
beforeAll(async () => {
  rig = await startCallRig({ env: { CALL_IDLE_TIMEOUT: String(IDLE_S) } })
  await putNumber(rig.db, { e164: OUR_NUMBER, greeting: 'Hello.', voice: 'kal16', bargeInDigit: null })
})
afterAll(() => rig?.close())

/** Sends `frames` over and over, one every 20 ms, for `ms` of real time or until the stream closes. */
async function keepSending(stream: TwilioStream, frames: Buffer<ArrayBuffer>[], ms: number): Promise<void> {
  for (let i = 0, start = Date.now(); Date.now() - start < ms && !stream.isClosed; i++) {
    stream.sendMedia(frames[i % frames.length])
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('an idle call', () => {
  it('hears "Goodbye." after the idle time in silence, and the stream is closed', async () => {
    const { stream } = await callIn(rig.apps[0], { speed: 20 })
    await stream.echoOf('e')
    const greetingEnd = stream.received.length
    const quiet = lineNoiseFrames(1)
    const closed = stream.closed
    const sending = keepSending(stream, quiet, 10 * IDLE_S * 1000) // line noise, as a silent caller's line carries
    expect(await closed).toEqual({ code: 1000, reason: 'idle' })
    await sending
    expect(stream.violations).toEqual([])
    expectSpoken(stream.audio(greetingEnd), 'Goodbye.', 'kal16')
    expect(rig.apps[0].logs.some((l) => l.includes('idle call ended'))).toBe(true)
  })

  it('stays open while the caller keeps talking, and says goodbye once they stop', async () => {
    const { stream } = await callIn(rig.apps[0], { speed: 20 })
    await stream.echoOf('e')
    const greetingEnd = stream.received.length
    await keepSending(stream, spokenFrames('Yes, I am still here. I am looking for my booking number, one moment please.'), 3 * IDLE_S * 1000)
    expect(stream.isClosed).toBe(false)
    expect(stream.audio(greetingEnd).length).toBe(0) // nothing said to a caller who is talking
    expect(await stream.closed).toEqual({ code: 1000, reason: 'idle' })
    expectSpoken(stream.audio(greetingEnd), 'Goodbye.', 'kal16')
  })
})
