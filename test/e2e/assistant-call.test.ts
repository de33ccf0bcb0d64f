// The built-in receptionist on a call, end to end: Twilio (its stand-ins for the webhook, the media
// stream and the REST API), speech-to-text (a stand-in for Deepgram's `listen` that hears the
// caller's real audio and answers with scripted transcripts), and the models (a stand-in server for
// OpenAI's and Anthropic's streaming APIs, reached through the official SDKs). The caller speaks
// in real time, in another voice than the service's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeMulaw } from '../../src/audio/g711.js'
import { rms, SOUND_RMS } from '../../src/telephony/caller-audio.js'
import type { AssistantSettings } from '../../src/telephony/assistant/settings.js'
import { expectSpoken } from '../helpers/call-audio.js'
import { spokenFrames } from '../helpers/caller-voice.js'
import { startListenStandIn, type ListenStandIn } from '../helpers/deepgram-listen.js'
import { startModelStandIn, tokenize, type ModelStandIn } from '../helpers/model-standin.js'
import { api, callIn, startCallRig, type CallRig } from '../helpers/twilio-app.js'
import type { TwilioStream } from '../helpers/twilio-stream.js'
import { parseMark } from '../../src/telephony/playout.js'

const INSTRUCTIONS = 'You are the receptionist of Bright Smile Dental. Keep answers short.'
const GREETING = 'Bright Smile Dental, how can I help?'
const IDLE_S = 4

let rig: CallRig
let model: ModelStandIn
let listen: ListenStandIn
let admin: string
let numbers = 0

beforeAll(async () => {
  model = await startModelStandIn()
  listen = await startListenStandIn('Hello')
  rig = await startCallRig({
    env: {
      STT_URL: listen.url,
      OPENAI_API_KEY: 'sk-test-openai', OPENAI_BASE_URL: model.openaiBaseUrl,
      ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: model.anthropicBaseUrl,
      ASSISTANT_TIMEOUT: '1', CALL_IDLE_TIMEOUT: String(IDLE_S),
    },
  })
  admin = await rig.key(['admin'])
})
afterAll(async () => {
  await rig?.close()
  await model?.close()
  await listen?.close()
})

const silence = (frames: number) => Array.from({ length: frames }, () => Buffer.alloc(160, 0xff))

/** The caller saying `text` (from its first sound), then quiet long enough for the turn to end. */
function saying(text: string): Buffer<ArrayBuffer>[] {
  const voice = spokenFrames(text)
  return [...voice.slice(voice.findIndex((f) => rms(decodeMulaw(f)) >= SOUND_RMS)), ...silence(45)]
}

/** A number answered by an assistant (set through the API), called; the caller's turns are `turns`. */
async function assistantCall(assistant: Partial<AssistantSettings>, turns: string[] = ['Hello']) {
  const to = `+1500555${String(3000 + numbers++)}`
  listen.transcripts = turns
  const settings = { provider: 'openai', model: 'gpt-test', instructions: INSTRUCTIONS, greeting: GREETING, ...assistant }
  const put = await api(rig.apps[0], 'PUT', `/v1/numbers/${to}`, admin, { voice_id: 'kal16', assistant: settings })
  expect(put.status).toBe(201)
  const first = model.requests.length
  const { stream, callSid } = await callIn(rig.apps[0], { to, speed: 1 })
  return { stream, callSid, request: (n: number) => model.request(first + n) }
}

/** Media bytes so far, and a wait for the utterance-end echoes to reach `n`. */
const ends = (stream: TwilioStream) => stream.echoed.filter((name) => parseMark(name)?.kind === 'e').length
const heardEnds = (stream: TwilioStream, n: number) => stream.until(() => ends(stream) >= n, `${n} utterances heard`, 30_000)

async function transcriptOf(callSid: string) {
  const res = await api(rig.apps[0], 'GET', `/v1/calls/${callSid}/transcript`, admin)
  expect(res.status).toBe(200)
  return (await res.json()) as { call_sid: string; turns: { speaker: string; text: string; heard: string | null; outcome: string | null }[] }
}

const hungUp = (callSid: string) => rig.twilioApi.requests.find((r) => r.path.endsWith(`/Calls/${callSid}.json`))

describe('a call answered by the assistant', () => {
  it('converses for two turns: each request holds the conversation so far; the transcript and token usage are kept', async () => {
    const r1 = 'We are open from nine to five today.'
    const r2 = 'Yes, we have a free slot at three tomorrow.'
    model.script({ text: r1 }, { text: r2 })
    const { stream, callSid, request } = await assistantCall({}, ['When are you open today?', 'Can I come in tomorrow?'])
    await heardEnds(stream, 1)
    expectSpoken(stream.audio(), GREETING, 'kal16')

    await stream.sendPaced(saying('When are you open today?'))
    const first = await request(0)
    expect(first.provider).toBe('openai')
    expect(first.headers.authorization).toBe('Bearer sk-test-openai')
    expect(first.body).toMatchObject({
      model: 'gpt-test', stream: true,
      messages: [
        { role: 'system', content: INSTRUCTIONS },
        { role: 'assistant', content: GREETING },
        { role: 'user', content: 'When are you open today?' },
      ],
    })
    expect(first.body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(['end_call'])
    await heardEnds(stream, 2)

    await stream.sendPaced(saying('Can I come in tomorrow?'))
    const second = await request(1)
    expect(second.body.messages.slice(1)).toEqual([
      { role: 'assistant', content: GREETING },
      { role: 'user', content: 'When are you open today?' },
      { role: 'assistant', content: r1 },
      { role: 'user', content: 'Can I come in tomorrow?' },
    ])
    await heardEnds(stream, 3)
    expect(stream.violations).toEqual([])
    stream.sendStop()

    await expect.poll(async () => (await transcriptOf(callSid)).turns.length).toBe(5)
    expect((await transcriptOf(callSid)).turns).toEqual([
      { speaker: 'agent', text: GREETING, heard: GREETING, outcome: 'played', at: expect.any(String) },
      { speaker: 'caller', text: 'When are you open today?', heard: null, outcome: null, at: expect.any(String) },
      { speaker: 'agent', text: r1, heard: r1, outcome: 'played', at: expect.any(String) },
      { speaker: 'caller', text: 'Can I come in tomorrow?', heard: null, outcome: null, at: expect.any(String) },
      { speaker: 'agent', text: r2, heard: r2, outcome: 'played', at: expect.any(String) },
    ])
    const call = await (await api(rig.apps[0], 'GET', `/v1/calls/${callSid}`, admin)).json()
    expect(call.assistant).toMatchObject({ provider: 'openai', model: 'gpt-test' })
    expect(call.model_output_tokens).toBe(tokenize(r1).length + tokenize(r2).length)
    expect(call.model_input_tokens).toBeGreaterThan(0)
  })

  it('keeps only what the caller heard of a reply they cut off, and the next request says so (Anthropic)', async () => {
    const long = 'Our office is open from nine in the morning until five in the evening, Monday through Friday, and on Saturday mornings until noon, except on public holidays, when we are closed all day.'
    model.script({ text: long })
    const { stream, callSid, request } = await assistantCall({ provider: 'anthropic', model: 'claude-test' }, ['What are your hours?', 'Are you open on Sunday?'])
    await heardEnds(stream, 1)
    await stream.sendPaced(saying('What are your hours?'))
    const first = await request(0)
    expect(first.provider).toBe('anthropic')
    expect(first.body).toMatchObject({ model: 'claude-test', system: INSTRUCTIONS, stream: true })
    expect(first.body.messages).toEqual([
      { role: 'user', content: '(The call is connected.)' },
      { role: 'assistant', content: GREETING },
      { role: 'user', content: 'What are your hours?' },
    ])
    // Two seconds into the reply, the caller talks over it.
    const replyStart = stream.audio().length
    await stream.until(() => stream.audio().length > replyStart + 8000 * 2, 'two seconds of the reply')
    await stream.sendPaced(saying('Are you open on Sunday?'))
    const second = await request(1)
    expect(stream.count('clear')).toBe(1)
    const cut = second.body.messages[3]
    expect(cut.role).toBe('assistant')
    expect(cut.content.length).toBeGreaterThan(0)
    expect(cut.content.length).toBeLessThan(long.length - 40)
    expect(long.startsWith(cut.content)).toBe(true)
    expect(second.body.messages[4]).toEqual({ role: 'user', content: 'Are you open on Sunday?' })
    stream.sendStop()

    await expect.poll(async () => (await transcriptOf(callSid)).turns.length).toBeGreaterThanOrEqual(4)
    const turns = (await transcriptOf(callSid)).turns
    expect(turns[2]).toMatchObject({ speaker: 'agent', text: long, heard: cut.content, outcome: 'interrupted' })
  })

  it('end_call: the goodbye is heard, then the call is hung up', async () => {
    model.script({ text: 'You are welcome. Goodbye!', tool: { name: 'end_call' } })
    const { stream, callSid } = await assistantCall({}, ['That is all, thank you.'])
    await heardEnds(stream, 1)
    const greeting = stream.audio().length
    await stream.sendPaced(saying('That is all, thank you.'))
    await stream.closed
    expectSpoken(stream.audio().subarray(greeting), 'You are welcome. Goodbye!', 'kal16')
    expect(hungUp(callSid)?.form.Status).toEqual(['completed'])
  })

  it('transfer_call: after its words the call is sent to transfer_to by <Dial> (Anthropic)', async () => {
    model.script({ text: 'Let me put you through.', tool: { name: 'transfer_call' } })
    const { stream, callSid, request } = await assistantCall({ provider: 'anthropic', model: 'claude-test', transfer_to: '+15005550199' }, ['Can I talk to a person?'])
    await heardEnds(stream, 1)
    const greeting = stream.audio().length
    await stream.sendPaced(saying('Can I talk to a person?'))
    expect((await request(0)).body.tools.map((t: { name: string }) => t.name)).toEqual(['end_call', 'transfer_call'])
    await stream.closed
    expectSpoken(stream.audio().subarray(greeting), 'Let me put you through.', 'kal16')
    expect(hungUp(callSid)?.form.Twiml?.[0]).toContain('<Dial>+15005550199</Dial>')
  })

  it('max_turns: once the replies are spent, the caller hears the goodbye and the call ends without asking the model again', async () => {
    model.script({ text: 'We are open until five.' })
    const { stream, callSid } = await assistantCall({ max_turns: 1 }, ['When do you close?', 'And tomorrow?'])
    await heardEnds(stream, 1)
    const before = model.requests.length
    await stream.sendPaced(saying('When do you close?'))
    await heardEnds(stream, 2)
    const reply = stream.audio().length
    await stream.sendPaced(saying('And tomorrow?'))
    await stream.closed
    expect(model.requests.length).toBe(before + 1)
    expectSpoken(stream.audio().subarray(reply), 'Goodbye.', 'kal16')
    expect(hungUp(callSid)?.form.Status).toEqual(['completed'])
  })

  it('a model that errors: the caller hears the apology and is transferred', async () => {
    model.script({ error: 500 })
    const apology = 'Sorry, I cannot look that up right now.'
    const { stream, callSid } = await assistantCall({ transfer_to: '+15005550199', apology }, ['Do you take my insurance?'])
    await heardEnds(stream, 1)
    const greeting = stream.audio().length
    await stream.sendPaced(saying('Do you take my insurance?'))
    await stream.closed
    expectSpoken(stream.audio().subarray(greeting), apology, 'kal16')
    expect(hungUp(callSid)?.form.Twiml?.[0]).toContain('<Dial>+15005550199</Dial>')
    await expect.poll(async () => (await transcriptOf(callSid)).turns.at(-1)).toMatchObject({ speaker: 'agent', text: apology, outcome: 'played' })
  })

  it('a model that stalls mid-reply: after ASSISTANT_TIMEOUT the request is dropped, the apology heard, the call ended', async () => {
    model.script({ stall: 'first-token', text: 'Let me check that for you.' })
    const { stream, callSid, request } = await assistantCall({ provider: 'anthropic', model: 'claude-test' }, ['Is the doctor in?'])
    await heardEnds(stream, 1)
    await stream.sendPaced(saying('Is the doctor in?'))
    const stalled = await request(0)
    await stream.closed
    expect(stalled.aborted).toBe(true)
    expect(hungUp(callSid)?.form.Status).toEqual(['completed'])
    const turns = (await transcriptOf(callSid)).turns
    expect(turns.at(-1)).toMatchObject({ speaker: 'agent', text: 'Sorry, we are having trouble on our side. Please call again later.', outcome: 'played' })
  })

  it('speech-to-text lost mid-call: the assistant cannot hear, so the caller hears the apology and the call ends', async () => {
    const { stream, callSid } = await assistantCall({})
    await heardEnds(stream, 1)
    const greeting = stream.audio().length
    listen.drop()
    await stream.closed
    expectSpoken(stream.audio().subarray(greeting), 'Sorry, we are having trouble on our side. Please call again later.', 'kal16')
    expect(hungUp(callSid)?.form.Status).toEqual(['completed'])
  })

  it('a caller who says nothing hears the greeting, then the goodbye, and the model is never asked', async () => {
    const before = model.requests.length
    const { stream, callSid } = await assistantCall({})
    await heardEnds(stream, 1)
    const greeting = stream.audio().length
    void stream.sendPaced(silence(50 * (IDLE_S + 4)))
    await stream.closed
    expectSpoken(stream.audio().subarray(0, greeting), GREETING, 'kal16')
    expectSpoken(stream.audio().subarray(greeting), 'Goodbye.', 'kal16')
    expect(model.requests.length).toBe(before)
    expect((await transcriptOf(callSid)).turns.map((t) => t.text)).toEqual([GREETING])
  })
})
