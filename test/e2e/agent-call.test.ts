// Calls handed to an agent: a Twilio stand-in on one side, an agent stand-in (a local WebSocket
// server, as an app would run) on the other. The setup it gets and the signature it can check,
// tokens spoken in order from the first complete clause, `played`, `end` with and without a handoff,
// the apology when the agent is down, drops or keeps sending garbage, and the REST API beside it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { putNumber } from '../../src/store/numbers.js'
import { verifyAgentSignature } from '../../src/telephony/agent/signing.js'
import type { AgentSettings } from '../../src/telephony/agent/settings.js'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { wavHeader } from '../../src/audio/wav.js'
import { enginePcm, expectedPcm8k, expectSpoken } from '../helpers/call-audio.js'
import { startAgentApp, type AgentApp } from '../helpers/agent-app.js'
import { ACCOUNT_SID, api, callIn, startCallRig, type CallRig } from '../helpers/twilio-app.js'

const SECRET = 'agent-signing-secret-for-tests'
const APOLOGY = 'Sorry, our assistant is not available. Goodbye.'
let rig: CallRig
let agents: AgentApp
let key: string
let numbers = 0

beforeAll(async () => {
  agents = await startAgentApp()
  rig = await startCallRig({ env: { AGENT_SIGNING_SECRET: SECRET, AGENT_APOLOGY: APOLOGY } })
  key = await rig.key()
})
afterAll(async () => {
  await rig?.close()
  await agents?.close()
})

/** A number of its own for each test, handed to `agent`; the call to it, and its agent's socket. */
async function agentCall(agent: Partial<AgentSettings> = {}, speed = 20) {
  const to = `+1500555${String(1000 + numbers++)}`
  const n = agents.sockets.length
  await putNumber(rig.db, { e164: to, greeting: null, voice: 'kal16', bargeInDigit: null, agent: { url: agents.url, ...agent } })
  const call = await callIn(rig.apps[0], { to, speed })
  return { ...call, to, agent: await agents.socket(n) }
}

describe('the agent socket', () => {
  it('is signed, and opens with setup: the call, the parties and the custom parameters', async () => {
    const { agent, callSid, to, stream } = await agentCall({ custom_parameters: { crm: '42' } })
    const setup = await agent.next('setup')
    expect(setup).toEqual({
      type: 'setup', sessionId: expect.any(String), callSid, accountSid: ACCOUNT_SID,
      from: '+15550001111', to, direction: 'inbound', customParameters: { crm: '42' },
    })
    expect(verifyAgentSignature(SECRET, agents.url, agent.headers['x-callwaiting-signature'] as string)).toBe(true)
    expect(verifyAgentSignature('another secret', agents.url, agent.headers['x-callwaiting-signature'] as string)).toBe(false)
    stream.sendStop()
    expect((await agent.closed).code).toBe(1000)
  })

  it('speaks tokens in order, from the first complete clause, without waiting for last; then played', async () => {
    const { agent, stream } = await agentCall({ welcome_greeting: 'Hello.' })
    await agent.next('setup')
    await stream.echoOf('e') // the welcome greeting, heard
    const greeting = stream.audio().length
    const tokens = ['Sure', ', I', ' can', ' help', ' with', ' that', '. ', 'Which', ' day', ' works', ' best', ' for', ' you', '?']
    for (const token of tokens.slice(0, 8)) agent.send({ type: 'text', token, last: false })
    // The first clause is spoken while the rest of the reply is still being written.
    await stream.until(() => stream.audio().length > greeting, 'the first clause')
    for (const token of tokens.slice(8)) agent.send({ type: 'text', token, last: false })
    agent.send({ type: 'text', token: '', last: true })
    expect(await agent.next('played')).toEqual({ type: 'played', text: tokens.join('') })
    expectSpoken(stream.audio().subarray(0, greeting), 'Hello.', 'kal16')
    expectSpoken(stream.audio().subarray(greeting), tokens.join(''), 'kal16')
    expect(stream.violations).toEqual([])
    stream.sendStop()
  })

  it('end without a handoff hangs up once what was said is heard; with one, sends the call to its TwiML', async () => {
    const plain = await agentCall()
    await plain.agent.next('setup')
    plain.agent.send({ type: 'text', token: 'Goodbye.', last: true })
    plain.agent.send({ type: 'end', handoffData: '{}' })
    await plain.stream.closed
    expectSpoken(plain.stream.audio(), 'Goodbye.', 'kal16')
    expect(rig.twilioApi.requests.some((r) => r.path.endsWith(`/Calls/${plain.callSid}.json`) && r.form.Status?.[0] === 'completed')).toBe(true)

    const handed = await agentCall({ handoff_url: 'https://app.example.test/handoff' })
    await handed.agent.next('setup')
    handed.agent.send({ type: 'end', handoffData: '{"reason":"human"}' })
    await handed.stream.closed
    const update = rig.twilioApi.requests.find((r) => r.path.endsWith(`/Calls/${handed.callSid}.json`))
    expect(update?.form.Twiml?.[0]).toContain('<Redirect method="POST">https://app.example.test/handoff?HandoffData=%7B%22reason%22%3A%22human%22%7D</Redirect>')
  })

  it('answers a malformed message with error, and closes with 1007 after ten in a row; the caller hears the apology', async () => {
    const { agent, stream } = await agentCall()
    await agent.next('setup')
    agent.send('not json')
    agent.send({ type: 'text' })
    agent.send({ type: 'text', token: 'Fine.', last: true }) // a good one resets the count
    for (let i = 0; i < 10; i++) agent.send({ type: 'dance' })
    expect((await agent.closed).code).toBe(1007)
    expect(agent.count('error')).toBeGreaterThanOrEqual(11)
    expect(agent.messages.find((m) => m.type === 'error')).toEqual({ type: 'error', description: 'not JSON' })
    await stream.closed
    const audio = stream.audio()
    expect(audio.length).toBeGreaterThan(0)
    expect(stream.violations).toEqual([])
  })

  it('apologizes and ends the call when the agent cannot be reached, or drops', async () => {
    const to = '+15005559999'
    await putNumber(rig.db, { e164: to, greeting: null, voice: 'kal16', bargeInDigit: null, agent: { url: 'ws://127.0.0.1:9/agent' } })
    const down = await callIn(rig.apps[0], { to, speed: 20 })
    await down.stream.closed
    expectSpoken(down.stream.audio(), APOLOGY, 'kal16')

    const { agent, stream } = await agentCall({ apology: 'Sorry, we lost you.' })
    await agent.next('setup')
    agent.ws.terminate()
    await stream.closed
    expectSpoken(stream.audio(), 'Sorry, we lost you.', 'kal16')
  })

  it('switches to a voice of the language asked for, and says so when there is none', async () => {
    const { agent, stream } = await agentCall()
    await agent.next('setup')
    agent.send({ type: 'language', ttsLanguage: 'zz-ZZ' })
    expect(await agent.next('error')).toEqual({ type: 'error', description: 'no voice speaks zz-ZZ here' })
    agent.send({ type: 'language', ttsLanguage: 'es-ES' })
    agent.send({ type: 'text', token: 'Hola, ¿en qué puedo ayudarle?', last: true })
    await agent.next('played')
    expect(agent.count('error')).toBe(1)
    // Not kal16's English: eSpeak NG's Spanish voice (22.05 kHz) makes audio of another length.
    const english = expectedPcm8k('Hola, ¿en qué puedo ayudarle?', 'kal16')
    expect(stream.audio().length).not.toBe(english.length)
    expect(stream.audio().length).toBeGreaterThan(8000)
    stream.sendStop()
  })

  it('plays a WAV from a URL in its turn, and tells the agent when a source cannot be played', async () => {
    // The engine's own 16 kHz audio as a WAV file: the call should sound as if it had said the words.
    const { samples, rate } = enginePcm('Please hold.', 'kal16')
    const wav = Buffer.concat([wavHeader({ sampleRate: rate, format: 'pcm16', dataBytes: samples.byteLength }), Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)])
    let fetches = 0
    const files: Server = createServer((req, res) => {
      fetches++
      if (req.url === '/hold.wav') res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav)
      else res.writeHead(404).end()
    })
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`
    try {
      const { agent, stream } = await agentCall()
      await agent.next('setup')
      agent.send({ type: 'play', source: `${base}/missing.wav` })
      expect((await agent.next('error')).description).toMatch(/could not play .*missing\.wav: fetching it answered 404/)
      agent.send({ type: 'play', source: `${base}/hold.wav`, loop: 2 })
      agent.send({ type: 'play', source: `${base}/hold.wav` })
      agent.send({ type: 'text', token: 'Thanks.', last: true })
      await agent.next('played')
      const audio = stream.audio()
      const clip = expectedPcm8k('Please hold.', 'kal16').length
      expectSpoken(audio.subarray(0, clip), 'Please hold.', 'kal16')
      expect(audio.length).toBe(clip * 3 + expectedPcm8k('Thanks.', 'kal16').length)
      expectSpoken(audio.subarray(clip * 3), 'Thanks.', 'kal16')
      expect(fetches).toBe(2) // the clip came from the cache the second time
      stream.sendStop()
    } finally {
      files.close()
    }
  })

  it('keeps the REST controls working beside the agent', async () => {
    const { agent, stream, callSid } = await agentCall()
    await agent.next('setup')
    const res = await api(rig.apps[0], 'POST', `/v1/calls/${callSid}/say?wait=played`, key, { text: 'A word from the API.' })
    expect(await res.json()).toMatchObject({ status: 'played' })
    expectSpoken(stream.audio(), 'A word from the API.', 'kal16')
    stream.sendStop()
  })
})

describe('numbers and calls take an agent', () => {
  it('is validated and shown back', async () => {
    const admin = await rig.key(['admin'])
    const put = (body: unknown) => api(rig.apps[0], 'PUT', '/v1/numbers/+15005550100', admin, body)
    const agent = { url: 'wss://app.example.test/agent', interruptible: 'speech', vad: { start_ms: 300 }, custom_parameters: { a: 'b' } }
    expect((await put({ voice_id: 'kal16', agent })).status).toBe(201)
    expect(await (await api(rig.apps[0], 'GET', '/v1/numbers/+15005550100', admin)).json()).toMatchObject({ greeting: null, agent })
    for (const bad of [
      { voice_id: 'kal16' }, // neither a greeting nor an agent
      { voice_id: 'kal16', greeting: 'Hi.', agent }, // both
      { voice_id: 'kal16', agent: { url: 'https://not-a-socket' } },
      { voice_id: 'kal16', agent: { ...agent, interruptible: 'sometimes' } },
      { voice_id: 'kal16', agent: { ...agent, vad: { start_ms: 5 } } },
      { voice_id: 'kal16', agent: { ...agent, extra: 1 } },
    ]) {
      const res = await put(bad)
      expect(res.status, JSON.stringify(bad)).toBe(400)
      expect((await res.json()).error.code).toMatch(/validation_failed|bad_request/)
    }
    const placed = await api(rig.apps[0], 'POST', '/v1/calls', key, { to: '+15005550101', agent })
    expect(placed.status).toBe(201)
    expect(await placed.json()).toMatchObject({ agent })
    expect((await api(rig.apps[0], 'POST', '/v1/calls', key, { to: '+15005550101', text: 'Hi.', agent })).status).toBe(400)
  })
})
