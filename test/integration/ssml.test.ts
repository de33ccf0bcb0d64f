// SSML through the service's front doors: POST /v1/tts and /with-timestamps (text_type, the root
// <speak>, 400 invalid_ssml with line and column, the warning header), and /v1/speak (Mark
// messages at their time, an INVALID_SSML Warning that drops only that message).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { parseWav } from '../../src/audio/wav.js'
import { errorOf, post, startApp, type TestApp } from '../helpers/app.js'

let t: TestApp
let key: string
beforeAll(async () => {
  t = await startApp()
  key = await t.key()
})
afterAll(() => t?.close())

const tts = (body: Record<string, unknown>, path = '/v1/tts') => post(t.url, path, { voice_id: 'slt', ...body }, { 'x-api-key': key })
const seconds = async (res: Response) => {
  const wav = parseWav(new Uint8Array(await res.arrayBuffer()))
  return wav.samples.length / wav.sampleRate
}

describe('POST /v1/tts with SSML', () => {
  it('reads a <speak> document as SSML: a 2 s break makes the audio 2 s longer', async () => {
    const plain = await seconds(await tts({ text: '<speak>Hello <break time="0s"/>world</speak>' }))
    const res = await tts({ text: '<speak>Hello <break time="2s"/>world</speak>' })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-ssml-warning')).toBeNull()
    expect((await seconds(res)) - plain).toBeCloseTo(2, 2)
  })

  it('text_type chooses: ssml without the root is refused, text reads the markup as text', async () => {
    const res = await tts({ text: 'Hello <break time="2s"/>', text_type: 'ssml' })
    expect(res.status).toBe(400)
    expect((await errorOf(res)).code).toBe('invalid_ssml')
    expect((await tts({ text: '<speak>Hello</speak>', text_type: 'text' })).status).toBe(200)
  })

  it.each([
    ['<speak>\n  <prosody rate="warp">x</prosody></speak>', /line 2, column \d+: <prosody>: rate="warp"/],
    ['<speak>Hello', /line 1, column \d+: unclosed tag/],
    ['<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><speak>&lol2;</speak>', /DOCTYPE/],
    ['<!DOCTYPE speak [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><speak>&xxe;</speak>', /DOCTYPE/],
    ['<speak><audio src="https://example.com/a.mp3"/></speak>', /<audio> is not supported/],
  ])('bad SSML is 400 invalid_ssml, naming line and column: %s', async (text, message) => {
    const res = await tts({ text })
    expect(res.status).toBe(400)
    const error = await errorOf(res)
    expect(error.code).toBe('invalid_ssml')
    expect(error.message).toMatch(message)
  })

  it('says in a header what a Flite voice could not do (phonemes), and speaks the text', async () => {
    const res = await tts({ text: '<speak>A <phoneme alphabet="ipa" ph="təˈmɑːtoʊ">tomato</phoneme></speak>' })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-ssml-warning')).toMatch(/flite voices cannot speak phonemes/)
    expect(await seconds(res)).toBeGreaterThan(0.3)
  })

  it('with-timestamps: words placed in the SSML text, the break in the times', async () => {
    const text = '<speak>Call <say-as interpret-as="digits">42</say-as> <break time="1s"/>now</speak>'
    const res = await tts({ text, format: 'pcm16' }, '/v1/tts/with-timestamps')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { words: { word: string; start: number; end: number; text_start: number; text_end: number }[] }
    expect(body.words.map((w) => w.word)).toEqual(['Call', 'four', 'two', 'now'])
    expect(text.slice(body.words[1].text_start, body.words[1].text_end)).toBe('<say-as interpret-as="digits">42</say-as>')
    expect(text.slice(body.words[3].text_start, body.words[3].text_end)).toBe('now')
    expect(body.words[3].start - body.words[2].end).toBeGreaterThan(1)
  })
})

describe('/v1/speak with SSML', () => {
  function open() {
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/v1/speak?model=slt&encoding=linear16&sample_rate=16000`, { headers: { authorization: `Token ${key}` } })
    const messages: { type: string; [k: string]: unknown }[] = []
    let bytes = 0
    const audioAt: number[] = []
    socket.on('message', (data, isBinary) => {
      if (isBinary) bytes += (data as Buffer).length
      else messages.push(JSON.parse(data.toString())), audioAt.push(bytes)
    })
    const opened = new Promise((resolve) => socket.once('open', resolve))
    return { socket, messages, audioAt, opened, send: (m: unknown) => socket.send(JSON.stringify(m)) }
  }

  it('sends a Mark at its time in the audio, after the audio before it', async () => {
    const c = open()
    await c.opened
    c.send({ type: 'Speak', text: '<speak>Hello <break time="500ms"/><mark name="after-break"/>world<mark name="end"/></speak>' })
    c.send({ type: 'Flush' })
    await expect.poll(() => c.messages.some((m) => m.type === 'Flushed'), { timeout: 20_000 }).toBe(true)
    const marks = c.messages.filter((m) => m.type === 'Mark')
    expect(marks.map((m) => m.name)).toEqual(['after-break', 'end'])
    const i = c.messages.indexOf(marks[0])
    // 16-bit mono at 16 kHz: the audio sent before the mark is the mark's time.
    expect(marks[0].time).toBeCloseTo(c.audioAt[i] / 2 / 16000, 2)
    expect(marks[0].time as number).toBeGreaterThan(0.5)
    expect(marks[1].time as number).toBeGreaterThan(marks[0].time as number)
    c.socket.close()
  })

  it('drops bad SSML with an INVALID_SSML Warning naming line and column, and goes on', async () => {
    const c = open()
    await c.opened
    c.send({ type: 'Speak', text: '<speak>\n<break time="forever"/></speak>' })
    c.send({ type: 'Speak', text: 'Still here.' })
    c.send({ type: 'Flush' })
    await expect.poll(() => c.messages.some((m) => m.type === 'Flushed'), { timeout: 20_000 }).toBe(true)
    const warning = c.messages.find((m) => m.type === 'Warning')!
    expect(warning.code).toBe('INVALID_SSML')
    expect(warning.description).toMatch(/line 2, column \d+/)
    expect(c.audioAt.at(-1)).toBeGreaterThan(0)
    c.socket.close()
  })
})
