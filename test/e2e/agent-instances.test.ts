// An agent's call on instance A, the API on instance B, sharing the database and Redis: the REST
// controls reach the call beside its agent. Uses REDIS_URL, or a redis-server of its own; skipped
// where neither exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { putNumber } from '../../src/store/numbers.js'
import { expectSpoken } from '../helpers/call-audio.js'
import { startAgentApp, type AgentApp } from '../helpers/agent-app.js'
import { api, callIn, startCallRig, testRedis, type CallRig } from '../helpers/twilio-app.js'

const redis = await testRedis()
const TO = '+15005553000'
let rig: CallRig
let agents: AgentApp
let key: string

beforeAll(async () => {
  if (!redis) return
  agents = await startAgentApp()
  rig = await startCallRig({ instances: 2, redisUrl: redis.url })
  key = await rig.key()
  for (const { app } of rig.apps) expect(await app.pubsub.ready(5000)).toBe(true)
  await putNumber(rig.db, { e164: TO, greeting: null, voice: 'kal16', bargeInDigit: null, agent: { url: agents.url } })
})
afterAll(async () => {
  await rig?.close()
  await agents?.close()
  redis?.stop()
})

describe.skipIf(!redis)('an agent\'s call on one instance, the API on another', () => {
  it('speaks the agent\'s reply, then a say sent to the other instance; a clear there stops the agent', async () => {
    const [a, b] = rig.apps
    const { stream, callSid } = await callIn(a, { to: TO, speed: 20 })
    const agent = await agents.socket(0)
    await agent.next('setup')
    agent.send({ type: 'text', token: 'Let me look that up.', last: true })
    await agent.next('played')
    const mark = stream.received.length
    const res = await api(b, 'POST', `/v1/calls/${callSid}/say?wait=played`, key, { text: 'Your order has shipped.' })
    expect(await res.json()).toMatchObject({ status: 'played' })
    expectSpoken(stream.audio(0).subarray(0, stream.audio().length - stream.audio(mark).length), 'Let me look that up.', 'kal16')
    expectSpoken(stream.audio(mark), 'Your order has shipped.', 'kal16')

    agent.send({ type: 'text', token: 'This is a long answer that the API will cut short before it is done, as it goes on and on.', last: true })
    await stream.until(() => stream.audio(mark).length > 160 * 150, 'the long answer')
    expect((await api(b, 'POST', `/v1/calls/${callSid}/clear`, key)).status).toBe(200)
    await stream.until(() => stream.count('clear') === 1, 'clear')
    expect(stream.violations).toEqual([])
    stream.sendStop()
    await agent.closed
  })
})
