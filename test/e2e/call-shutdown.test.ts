// A deploy restarts the service: live calls finish within the drain time, new ones go elsewhere,
// and whatever is still live after it is closed rather than left hanging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { putNumber } from '../../src/store/numbers.js'
import { OUR_NUMBER, callIn, postWebhook, startCallRig, type CallRig } from '../helpers/twilio-app.js'
import { sid } from '../helpers/twilio-stream.js'

let rig: CallRig

beforeAll(async () => {
  rig = await startCallRig({ instances: 2, env: { DRAIN_TIMEOUT: '2' } })
  await putNumber(rig.db, { e164: OUR_NUMBER, greeting: 'Please hold while we find someone to help you. '.repeat(6), voice: 'kal16', bargeInDigit: null })
})
afterAll(() => rig?.close())

describe('closing the app', () => {
  it('lets a live call go on, refuses new webhooks, and ends when the call does', async () => {
    const { stream } = await callIn(rig.apps[0], { speed: 1 })
    await stream.until(() => stream.count('media') > 0, 'audio')
    const closing = rig.apps[0].app.close()
    const heard = stream.echoed.length
    await stream.until(() => stream.echoed.length > heard + 2, 'more audio played while closing')
    expect(stream.isClosed).toBe(false)
    expect((await postWebhook(rig.apps[0], '/twilio/voice', { CallSid: sid('CA'), To: OUR_NUMBER, CallStatus: 'ringing' })).status).toBe(503)
    stream.sendStop()
    await closing
    expect(stream.violations).toEqual([])
  })

  it('closes the calls still live once the drain time is up', async () => {
    const { stream } = await callIn(rig.apps[1], { speed: 0.01 }) // would take an hour
    await stream.until(() => stream.count('media') > 0, 'audio')
    await rig.apps[1].app.close()
    expect((await stream.closed).code).toBe(1001)
  })
})
