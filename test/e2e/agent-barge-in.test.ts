// Barge-in by voice on an agent's call, in real time: the caller's line carries silence, line noise,
// then another voice's speech, as Twilio would send it (a 20 ms frame every 20 ms). The reply is
// cleared, the agent hears speechStarted then interrupt, and what interrupt says was heard is
// checked against the frames the Twilio stand-in had played and the reply's word timings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { putNumber } from '../../src/store/numbers.js'
import { decodeMulaw } from '../../src/audio/g711.js'
import { rms, SOUND_RMS } from '../../src/telephony/caller-audio.js'
import { startAgentApp, type AgentApp } from '../helpers/agent-app.js'
import { lineNoiseFrames, noiseFrames, spokenFrames } from '../helpers/caller-voice.js'
import { api, callIn, startCallRig, type CallRig } from '../helpers/twilio-app.js'

const REPLY = 'Our office is open from nine in the morning until five in the evening, Monday through Friday, and on Saturday mornings until noon.'
let rig: CallRig
let agents: AgentApp
let n = 0

beforeAll(async () => {
  agents = await startAgentApp()
  rig = await startCallRig()
})
afterAll(async () => {
  await rig?.close()
  await agents?.close()
})

const silence = (frames: number) => Array.from({ length: frames }, () => Buffer.alloc(160, 0xff))
const voice = spokenFrames('Wait, I need to ask something about my appointment.')
const firstSound = voice.findIndex((f) => rms(decodeMulaw(f)) >= SOUND_RMS)

async function replying(interruptible?: string) {
  const to = `+1500555${2000 + n++}`
  const index = agents.sockets.length
  await putNumber(rig.db, { e164: to, greeting: null, voice: 'kal16', bargeInDigit: null, agent: { url: agents.url, ...(interruptible ? { interruptible: interruptible as 'none' } : {}) } })
  const { stream } = await callIn(rig.apps[0], { to, speed: 1 })
  const agent = await agents.socket(index)
  await agent.next('setup')
  agent.send({ type: 'text', token: REPLY, last: true })
  await stream.until(() => stream.count('media') > 0, 'the reply')
  return { stream, agent }
}

describe('barge-in by voice', () => {
  it('clears the reply on the caller\'s speech; interrupt says exactly which words had played', async () => {
    const { stream, agent } = await replying()
    let heardAtOnset = -1
    const caller = [...silence(25), ...lineNoiseFrames(0.5), ...voice.slice(firstSound), ...silence(50)]
    const onset = 25 + 25
    void stream.sendPaced(caller, (i) => {
      if (i === onset) heardAtOnset = stream.heardBytes()
    })
    const interrupt = await agent.next('interrupt')
    await stream.until(() => stream.count('clear') === 1, 'clear')
    const types = agent.messages.map((m) => m.type)
    expect(types.indexOf('speechStarted')).toBeLessThan(types.indexOf('interrupt'))
    expect(stream.count('clear')).toBe(1)
    const [{ received, buffered }] = stream.clears
    const ms = interrupt.durationUntilInterruptMs as number
    // Between what had played when the speech began (less a little for timers on a busy machine)
    // and what had played when the clear came.
    expect(ms).toBeGreaterThanOrEqual(heardAtOnset / 8 - 60)
    expect(ms).toBeLessThanOrEqual((received - buffered) / 8)
    expect(ms % 20).toBe(0)
    // The words whose end had played by then, by the reply's word timings (from the REST API).
    const res = await api(rig.apps[0], 'POST', '/v1/tts/with-timestamps', await rig.key(['tts']), { text: REPLY, voice_id: 'kal16', format: 'mulaw' })
    const { words } = (await res.json()) as { words: { word: string; end: number }[] }
    const heard = (interrupt.utteranceUntilInterrupt as string).split(' ').filter(Boolean)
    expect(heard).toEqual(words.slice(0, heard.length).map((w) => w.word))
    // Timings there are rounded to 10 ms.
    if (heard.length) expect(words[heard.length - 1].end * 1000).toBeLessThanOrEqual(ms + 10)
    expect(words[heard.length].end * 1000).toBeGreaterThan(ms - 10)
    expect(heard.length).toBeGreaterThan(0)
    expect(agent.count('played')).toBe(0)
    await agent.next('speechStopped')
    stream.sendStop()
  })

  it('does not interrupt on a 150 ms burst, line noise at -40 dBFS, or silence; the reply plays to its end', async () => {
    const { stream, agent } = await replying()
    void stream.sendPaced([...silence(20), ...voice.slice(firstSound + 10, firstSound + 17), ...silence(20), ...noiseFrames(3, -40), ...silence(500)])
    expect(await agent.next('played', 60_000)).toMatchObject({ text: REPLY })
    expect(stream.count('clear')).toBe(0)
    expect(agent.count('speechStarted')).toBe(0)
    expect(agent.count('interrupt')).toBe(0)
    stream.sendStop()
  })

  it('with interruptible "none", tells the agent the caller spoke but keeps talking; "dtmf" lets a key cut in', async () => {
    const none = await replying('none')
    void none.stream.sendPaced([...silence(10), ...voice.slice(firstSound)])
    await none.agent.next('speechStarted')
    none.stream.sendDtmf('5')
    expect(await none.agent.next('dtmf')).toEqual({ type: 'dtmf', digit: '5' })
    expect(await none.agent.next('played', 60_000)).toMatchObject({ type: 'played' })
    expect(none.stream.count('clear')).toBe(0)
    none.stream.sendStop()

    const dtmf = await replying('dtmf')
    await dtmf.stream.until(() => dtmf.stream.count('media') > 20, 'some of the reply')
    dtmf.stream.sendDtmf('1')
    expect(await dtmf.agent.next('interrupt')).toMatchObject({ type: 'interrupt', durationUntilInterruptMs: expect.any(Number) })
    await dtmf.stream.until(() => dtmf.stream.count('clear') === 1, 'clear')
    dtmf.stream.sendStop()
  })
})
