// The speech-to-text bridge against a local stand-in for Deepgram's streaming `listen`: the
// caller's audio goes there as raw μ-law at 8 kHz, the caller's turn comes back to the agent as a
// ConversationRelay `prompt`, and an interim transcript of a few words cuts the agent short.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { putNumber } from '../../src/store/numbers.js'
import { decodeMulaw } from '../../src/audio/g711.js'
import { rms, SOUND_RMS } from '../../src/telephony/caller-audio.js'
import { startAgentApp, type AgentApp } from '../helpers/agent-app.js'
import { spokenFrames } from '../helpers/caller-voice.js'
import { startListenStandIn, type ListenStandIn } from '../helpers/deepgram-listen.js'
import { callIn, startCallRig, type CallRig } from '../helpers/twilio-app.js'

const SAID = 'I would like to move my appointment to Friday'
const TO = '+15005555000'
let rig: CallRig
let agents: AgentApp
let listen: ListenStandIn

beforeAll(async () => {
  agents = await startAgentApp()
  listen = await startListenStandIn(SAID)
  rig = await startCallRig({ env: { STT_URL: listen.url, STT_API_KEY: 'dg-test-key' } })
  await putNumber(rig.db, { e164: TO, greeting: null, voice: 'kal16', bargeInDigit: null, agent: { url: agents.url, vad: { start_ms: 2000 } } })
})
afterAll(async () => {
  await rig?.close()
  await agents?.close()
  await listen?.close()
})

const silence = (n: number) => Array.from({ length: n }, () => Buffer.alloc(160, 0xff))

describe('the speech-to-text bridge', () => {
  it('streams the caller to it, gives the agent a prompt per turn, and lets an interim transcript interrupt', async () => {
    const { stream } = await callIn(rig.apps[0], { to: TO, speed: 1 })
    const agent = await agents.socket(0)
    await agent.next('setup')
    agent.send({ type: 'text', token: 'Thank you for calling. I can help you book, move or cancel an appointment, or answer a question about our hours.', last: true })
    await stream.until(() => stream.count('media') > 10, 'the reply')
    const voice = spokenFrames(SAID)
    const first = voice.findIndex((f) => rms(decodeMulaw(f)) >= SOUND_RMS)
    void stream.sendPaced([...silence(10), ...voice.slice(first), ...silence(60)])
    // The VAD's threshold is set long here: the interim transcript is what cuts in.
    const interrupt = await agent.next('interrupt')
    expect(interrupt).toMatchObject({ type: 'interrupt', durationUntilInterruptMs: expect.any(Number) })
    expect(await agent.next('prompt')).toEqual({ type: 'prompt', voicePrompt: SAID, lang: expect.any(String), last: true })
    const [c] = listen.connections
    expect(Object.fromEntries(c.query)).toMatchObject({ encoding: 'mulaw', sample_rate: '8000', interim_results: 'true' })
    expect(c.headers.authorization).toBe('Token dg-test-key')
    expect(c.bytes % 160).toBe(0)
    expect(c.bytes).toBeGreaterThan(voice.length * 160 - 160 * first)
    stream.sendStop()
    await agent.closed
    await expect.poll(() => c.closedWith).toBe('CloseStream')
  })
})
