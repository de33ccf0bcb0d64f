// GET /v1/speak: Deepgram's streaming TTS message set, spoken to by Deepgram's own SDK and by a
// raw WebSocket client, against the running service.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { DeepgramClient } from '@deepgram/sdk'
import { startApp, post, type TestApp } from '../helpers/app.js'

let t: TestApp
let key: string
let ws: string

beforeAll(async () => {
  t = await startApp({ speak: { messageChars: 2000, charsPerMinute: 20_000, socketsPerKey: 3, idleMs: 1500 } })
  key = await t.key()
  ws = t.url.replace('http', 'ws')
})
afterAll(() => t?.close())

const REPLY = 'Thanks for calling! Your table for four is booked for seven thirty tonight, and we will hold it for fifteen minutes. Is there anything else?'

/** The reply as an LLM streams it: small pieces, words split across pieces, spaces at either end. */
function tokens(text: string, size = 4): string[] {
  const out: string[] = []
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size))
  return out
}

interface Received {
  audio: Buffer[]
  messages: { type: string; [k: string]: unknown }[]
  /** Per message: audio bytes received before it. */
  at: number[]
  close: Promise<{ code: number; reason: string }>
}

function client(query = '', headers: Record<string, string> = { authorization: `Token ${key}` }, protocols?: string[]) {
  const socket = new WebSocket(`${ws}/v1/speak${query}`, protocols, { headers })
  const r: Received = { audio: [], messages: [], at: [], close: new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))) }
  let bytes = 0
  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      r.audio.push(data as Buffer)
      bytes += (data as Buffer).length
    } else {
      r.messages.push(JSON.parse(data.toString()))
      r.at.push(bytes)
    }
  })
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, headers: res.headers })))
    socket.once('error', reject)
  })
  const send = (m: unknown) => socket.send(JSON.stringify(m))
  const until = async (type: string, n = 1) => {
    await expect.poll(() => r.messages.filter((m) => m.type === type).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(n)
  }
  return { socket, r, opened, send, until }
}

async function restAudio(text: string, body: Record<string, unknown> = {}): Promise<Buffer> {
  const res = await post(t.url, '/v1/tts', { text, voice_id: 'slt', format: 'pcm16', sample_rate: 24000, ...body }, { 'x-api-key': key })
  expect(res.status).toBe(200)
  return Buffer.from(await res.arrayBuffer())
}

describe('/v1/speak', () => {
  it('works with the official Deepgram SDK, changing only the base URL', async () => {
    const deepgram = new DeepgramClient({ apiKey: key, baseUrl: ws })
    const socket = await deepgram.speak.v1.connect({ model: 'aura-2-thalia-en', encoding: 'linear16', sample_rate: 24000 as never, Authorization: `Token ${key}`, reconnectAttempts: 0 })
    // The SDK hands audio over as a Blob (as a browser would), and the other messages parsed.
    const audio: Promise<ArrayBuffer>[] = []
    const messages: { type: string }[] = []
    socket.on('message', (m: unknown) => {
      if (m instanceof Blob) audio.push(m.arrayBuffer())
      else messages.push(m as { type: string })
    })
    socket.connect()
    await socket.waitForOpen()
    for (const piece of tokens(REPLY)) socket.sendText({ type: 'Speak', text: piece })
    socket.sendFlush({ type: 'Flush' })
    await expect.poll(() => messages.some((m) => m.type === 'Flushed'), { timeout: 20_000 }).toBe(true)
    socket.close()
    expect(messages[0]).toMatchObject({ type: 'Metadata', model_name: 'aura-2-thalia-en' })
    const got = Buffer.concat((await Promise.all(audio)).map((b) => Buffer.from(b)))
    expect(got.equals(await restAudio(REPLY))).toBe(true)
  })

  it('speaks a token stream byte for byte as POST /v1/tts speaks the same text, and starts before the Flush', async () => {
    const c = client('?model=slt&encoding=linear16&sample_rate=24000')
    await c.opened
    const pieces = tokens(REPLY, 3)
    // The first clause is complete after "Thanks for calling! Your": its audio comes before the rest is sent.
    const firstClause = pieces.findIndex((_, i) => pieces.slice(0, i + 1).join('').includes('calling! Y'))
    for (const p of pieces.slice(0, firstClause + 1)) c.send({ type: 'Speak', text: p })
    await expect.poll(() => c.r.audio.length, { timeout: 20_000 }).toBeGreaterThan(0)
    for (const p of pieces.slice(firstClause + 1)) c.send({ type: 'Speak', text: p })
    c.send({ type: 'Flush' })
    await c.until('Flushed')
    expect(c.r.messages.find((m) => m.type === 'Flushed')).toEqual({ type: 'Flushed', sequence_id: 0 })
    expect(Buffer.concat(c.r.audio).equals(await restAudio(REPLY))).toBe(true)
    c.send({ type: 'Close' })
    expect((await c.r.close).code).toBe(1000)
  })

  it('numbers its flushes, and μ-law at 8 kHz by default for mulaw', async () => {
    const c = client('?model=kal16&encoding=mulaw')
    await c.opened
    c.send({ type: 'Speak', text: 'Press one for sales.' })
    c.send({ type: 'Flush' })
    c.send({ type: 'Speak', text: 'Press two for support.' })
    c.send({ type: 'Flush' })
    await c.until('Flushed', 2)
    expect(c.r.messages.filter((m) => m.type === 'Flushed').map((m) => m.sequence_id)).toEqual([0, 1])
    const both = Buffer.concat([
      await restAudio('Press one for sales.', { voice_id: 'kal16', format: 'mulaw', sample_rate: 8000 }),
      await restAudio('Press two for support.', { voice_id: 'kal16', format: 'mulaw', sample_rate: 8000 }),
    ])
    expect(Buffer.concat(c.r.audio).equals(both)).toBe(true)
    c.socket.close()
  })

  it('Clear drops the text and stops the audio: nothing of the cleared text after Cleared', async () => {
    const c = client('?model=awb&encoding=linear16&sample_rate=16000')
    await c.opened
    const long = Array.from({ length: 8 }, (_, i) => `This is sentence number ${i + 1}, which goes on for a while.`).join(' ')
    c.send({ type: 'Speak', text: long })
    await expect.poll(() => c.r.audio.length, { timeout: 20_000 }).toBeGreaterThan(0)
    c.send({ type: 'Clear' })
    await c.until('Cleared')
    const cleared = c.r.at[c.r.messages.findIndex((m) => m.type === 'Cleared')]
    const before = Buffer.concat(c.r.audio).length
    expect(before).toBe(cleared)
    // The socket goes on: new text after the clear is spoken, and only it. (Sent at once: the
    // socket closes after 1.5 s without a message, and the REST answers below can take longer.)
    c.send({ type: 'Speak', text: 'Goodbye.' })
    c.send({ type: 'Flush' })
    await c.until('Flushed')
    c.socket.close()
    const all = await restAudio(long, { voice_id: 'awb', sample_rate: 16000 })
    expect(before).toBeLessThan(all.length / 2)
    const after = Buffer.concat(c.r.audio).subarray(before)
    expect(after.equals(await restAudio('Goodbye.', { voice_id: 'awb', sample_rate: 16000 }))).toBe(true)
  })

  it('Close with text pending speaks it, then closes with 1000', async () => {
    const c = client('?model=slt')
    await c.opened
    c.send({ type: 'Speak', text: 'One last thing before you go' })
    c.send({ type: 'Close' })
    expect(await c.r.close).toEqual({ code: 1000, reason: 'closed' })
    expect(Buffer.concat(c.r.audio).equals(await restAudio('One last thing before you go'))).toBe(true)
  })

  it('answers 50 kinds of bad message with a Warning each and goes on', async () => {
    const c = client('?model=kal16')
    await c.opened
    const bad: (string | Buffer)[] = [
      'not json', '{', '[]', 'null', '42', '"Speak"', '{}', '{"type":1}', '{"type":null}', '{"type":"speak","text":"x"}',
      '{"type":"Speak"}', '{"type":"Speak","text":5}', '{"type":"Speak","text":null}', '{"type":"Speak","text":["a"]}',
      '{"type":"Speak","text":{"a":1}}', `{"type":"Speak","text":"${'x'.repeat(2001)}"}`, '{"type":"Speak","text":"a\\u0000b"}',
      '{"type":"Unknown"}', '{"type":"FLUSH"}', '{"type":"Flushed"}', '{"type":"Metadata"}', '{"type":"Warning"}',
      '{"type":"Cleared"}', '{"type":""}', `{"type":"${'T'.repeat(500)}"}`, '{"type":true}', '{"type":["Speak"]}',
      '{"type":{"x":1}}', 'true', 'false', '""', '{"text":"hello"}', '{"type":"Speak ","text":"a"}', '{"Type":"Speak","text":"a"}',
      '\u0000', '{"type":"Speak","text":"a"', '{"type":"Speak",,"text":"a"}', "{'type':'Speak'}", '{"type":"Close"x}',
      '{"type":"Speak","text":"a"}garbage', 'NaN', 'Infinity', '-1', '{"type":"Speak","text":1e999}', '{"type":"Spea"}',
      '{"type":"Clear ","text":"a"}', '{"type":"close"}', '{"type":"clear"}',
      Buffer.from([0, 1, 2, 3]), Buffer.from('{"type":"Speak","text":"binary"}'),
    ]
    expect(bad).toHaveLength(50)
    for (const m of bad) c.socket.send(m, { binary: Buffer.isBuffer(m) })
    await c.until('Warning', 50)
    for (const w of c.r.messages.filter((m) => m.type === 'Warning')) {
      expect(typeof w.description).toBe('string')
      expect(typeof w.code).toBe('string')
    }
    expect(c.r.audio).toHaveLength(0)
    c.send({ type: 'Speak', text: 'Still here.' })
    c.send({ type: 'Flush' })
    await c.until('Flushed')
    expect(c.r.audio.length).toBeGreaterThan(0)
    c.socket.close()
  })

  it('refuses before the upgrade: no key, a bad key, no tts scope, an unknown model, a bad query, too many sockets', async () => {
    const status = async (query: string, headers: Record<string, string>) => {
      const c = client(query, headers)
      return c.opened.then(() => (c.socket.close(), 101), (err: { status?: number }) => err.status)
    }
    expect(await status('', {})).toBe(401)
    expect(await status('', { authorization: 'Token cw_live_wrongwrongwrongwrongwrongwrongwrongwrong1234' })).toBe(401)
    expect(await status('', { authorization: `Token ${await t.key({ scopes: ['calls'] })}` })).toBe(403)
    expect(await status('?model=aura-2-nobody-xx', { authorization: `Token ${key}` })).toBe(404)
    expect(await status('?encoding=opus', { authorization: `Token ${key}` })).toBe(400)
    expect(await status('?speed=3', { authorization: `Token ${key}` })).toBe(400)
    // A repeated parameter is an array, refused by the schema before anything reads it (was a 500).
    expect(await status('?model=slt&model=kal16', { authorization: `Token ${key}` })).toBe(400)
    const capped = await t.key()
    const held = await Promise.all([1, 2, 3].map(async () => {
      const c = client('', { authorization: `Bearer ${capped}` })
      await c.opened
      return c
    }))
    expect(await status('', { 'x-api-key': capped })).toBe(429)
    for (const c of held) c.socket.close()
  })

  it('takes the key as a subprotocol, as a browser sends it, and answers with the token protocol', async () => {
    const c = client('?model=slt', {}, ['token', key])
    await c.opened
    expect(c.socket.protocol).toBe('token')
    c.socket.close()
  })

  it('closes a socket left idle', async () => {
    const c = client()
    await c.opened
    expect(await c.r.close).toEqual({ code: 1000, reason: 'idle timeout' })
  })

  it('meters each flush group as a usage row keyed by the request id, characters and audio', async () => {
    const k = await t.key()
    const c = client('?model=kal16&encoding=mulaw', { authorization: `Token ${k}` })
    await c.opened
    c.send({ type: 'Speak', text: 'Hello there.' })
    c.send({ type: 'Flush' })
    c.send({ type: 'Speak', text: 'Goodbye now.' })
    c.send({ type: 'Flush' })
    await c.until('Flushed', 2)
    c.socket.close()
    await c.r.close
    const requestId = c.r.messages[0].request_id as string
    await t.app.usage.flush()
    const rows = await t.shared.raw.query<{ request_id: string; characters: number; audio_ms: number; status: number; endpoint: string }>(
      `SELECT u.request_id, u.characters, u.audio_ms, u.status, u.endpoint FROM usage u JOIN api_keys k ON k.id = u.key_id
       WHERE k.key_prefix = $1 ORDER BY u.request_id`, [k.slice(0, 16)])
    expect(rows.map((r) => [r.request_id, r.characters, r.status, r.endpoint])).toEqual([
      [`${requestId}:0`, 12, 200, '/v1/speak'],
      [`${requestId}:1`, 12, 200, '/v1/speak'],
    ])
    for (const r of rows) expect(r.audio_ms).toBeGreaterThan(300)
  })
})

describe('word timings', () => {
  const TEXT = 'Your total is $42. Thank you, Dr. Smith!'

  it('POST /v1/tts/with-timestamps: the same audio as /v1/tts, and every word with its time and the characters it came from', async () => {
    const body = { text: TEXT, voice_id: 'slt', format: 'pcm16', sample_rate: 16000 }
    const res = await post(t.url, '/v1/tts/with-timestamps', body, { 'x-api-key': key })
    expect(res.status).toBe(200)
    const json = (await res.json()) as { audio_base64: string; format: string; sample_rate: number; words: { word: string; start: number; end: number; text_start: number; text_end: number }[] }
    expect(json).toMatchObject({ format: 'pcm16', sample_rate: 16000 })
    const audio = Buffer.from(json.audio_base64, 'base64')
    expect(audio.equals(await restAudio(TEXT, body))).toBe(true)
    const seconds = audio.length / 2 / 16000
    expect(json.words.map((w) => w.word.replace(/[.,!?]$/, ''))).toEqual(['Your', 'total', 'is', 'forty-two', 'dollars', 'Thank', 'you', 'Doctor', 'Smith'])
    expect(json.words.map((w) => TEXT.slice(w.text_start, w.text_end))).toEqual(['Your', 'total', 'is', '$42.', '$42.', 'Thank', 'you,', 'Dr.', 'Smith!'])
    for (const [i, w] of json.words.entries()) {
      expect(w.end).toBeGreaterThan(w.start)
      expect(w.end).toBeLessThanOrEqual(seconds + 1e-3)
      if (i > 0) expect(w.start).toBeGreaterThanOrEqual(json.words[i - 1].end - 1e-3)
    }
  })

  it('at speed 2 every time is about halved', async () => {
    const at = async (speed: number) => {
      const res = await post(t.url, '/v1/tts/with-timestamps', { text: TEXT, voice_id: 'kal16', format: 'pcm16', speed }, { 'x-api-key': key })
      return ((await res.json()) as { words: { start: number; end: number }[] }).words
    }
    const [normal, fast] = [await at(1), await at(2)]
    expect(fast).toHaveLength(normal.length)
    const last = normal.at(-1)!.end
    for (const [i, w] of fast.entries()) expect(Math.abs(w.end - normal[i].end / 2)).toBeLessThan(0.05 * last)
  })

  it('/v1/speak with timestamps=true sends the words of each segment after its audio, on the socket clock', async () => {
    const c = client('?model=slt&encoding=linear16&sample_rate=16000&timestamps=true')
    await c.opened
    c.send({ type: 'Speak', text: TEXT })
    c.send({ type: 'Flush' })
    await c.until('Flushed')
    const words = c.r.messages.flatMap((m, i) => (m.type === 'Words' ? (m.words as { word: string; start: number; end: number }[]).map((w) => ({ ...w, bytes: c.r.at[i] })) : []))
    expect(words.map((w) => w.word.replace(/[.,!?]$/, ''))).toEqual(['Your', 'total', 'is', 'forty-two', 'dollars', 'Thank', 'you', 'Doctor', 'Smith'])
    // A word's message comes after its audio: the bytes before it cover its end.
    for (const w of words) expect(w.bytes / 2 / 16000).toBeGreaterThanOrEqual(w.end - 1e-3)
    c.socket.close()
  })
})
