// Two instances behind one nginx, sharing the database and Redis: the call's socket is held by
// instance A, the API requests land on instance B, and still reach the call. Uses REDIS_URL, or a
// redis-server of its own; skipped where neither exists. Without Redis there is one instance and
// the in-process pub/sub (the other test files run that way).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, callIn, startCallRig, testRedis, type CallRig } from '../helpers/twilio-app.js'
import { expectSpoken } from '../helpers/call-audio.js'

const redis = await testRedis()
let rig: CallRig
let key: string

beforeAll(async () => {
  if (!redis) return
  rig = await startCallRig({ instances: 2, redisUrl: redis.url })
  key = await rig.key()
  for (const { app } of rig.apps) expect(await app.pubsub.ready(5000)).toBe(true)
})
afterAll(async () => {
  await rig?.close()
  redis?.stop()
})

describe.skipIf(!redis)('two instances sharing Redis', () => {
  it('a say sent to instance B is spoken on the call whose socket instance A holds', async () => {
    const [a, b] = rig.apps
    const { stream, callSid } = await callIn(a, { speed: 20 })
    await stream.echoOf('e')
    expect(a.app.telephony.hub.local(callSid)).toBeDefined()
    expect(b.app.telephony.hub.local(callSid)).toBeUndefined()

    const mark = stream.received.length
    const res = await api(b, 'POST', `/v1/calls/${callSid}/say?wait=played`, key, { text: 'Your order has shipped.' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'played' })
    expectSpoken(stream.audio(mark), 'Your order has shipped.', 'kal16')

    // Status through B shows A's live counters.
    const info = await (await api(b, 'GET', `/v1/calls/${callSid}`, key)).json()
    expect(info).toMatchObject({ live: true, frames_sent: stream.count('media'), ms_played: stream.count('media') * 20 })

    // A clear through B, on speech queued through B.
    const queued = await api(b, 'POST', `/v1/calls/${callSid}/say`, key, { text: 'This will be cut short, as it is a rather long sentence to say.' })
    expect(queued.status).toBe(202)
    expect((await api(b, 'POST', `/v1/calls/${callSid}/clear`, key)).status).toBe(200)
    await stream.until(() => stream.count('clear') === 1, 'clear')
    expect(stream.violations).toEqual([])

    stream.sendStop()
    await stream.closed
    await expect.poll(async () => (await api(b, 'POST', `/v1/calls/${callSid}/say`, key, { text: 'Hello?' })).status).toBe(409)
  })
})
