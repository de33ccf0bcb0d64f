// POST /v1/tts end to end: every format decodes to the audio asked for, the response streams,
// and a client that leaves mid-stream stops the synthesis and is still metered.
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseWav } from '../../src/audio/wav.js'
import { hashKey } from '../../src/store/keys.js'
import { loadConfig } from '../../src/config.js'
import { errorOf, post, startApp, type TestApp } from '../helpers/app.js'
import { mp3Info, postRaw, soxInfo } from './audio.js'
import { read } from '../../src/speech/read.js'

let t: TestApp
let key: string
const TEXT = 'Thank you for calling. Your appointment is on Tuesday at 3:30 p.m.'

beforeAll(async () => {
  t = await startApp()
  key = await t.key()
})
afterAll(() => t?.close())

const tts = (body: Record<string, unknown>) => postRaw(t.url, '/v1/tts', { text: TEXT, voice_id: 'kal16', ...body }, { 'x-api-key': key })

describe('formats', () => {
  let wavSeconds = 0

  it('answers WAV at the voice rate by default, chunked, and sox reads the same audio', async () => {
    const res = await tts({})
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('audio/wav')
    expect(res.headers['transfer-encoding']).toBe('chunked')
    expect(res.headers['content-length']).toBeUndefined()
    expect(res.headers['x-sample-rate']).toBe('16000')
    const wav = parseWav(res.body)
    expect(wav).toMatchObject({ sampleRate: 16000, channels: 1, format: 'pcm16' })
    wavSeconds = wav.samples.length / 16000
    expect(wavSeconds).toBeGreaterThan(1.5)
    expect(wavSeconds).toBeLessThan(15)
    expect(peak(wav.samples)).toBeGreaterThan(1000) // speech, not silence
    const sox = soxInfo(res.body, 'wav')
    expect(sox.rate).toBe(16000)
    expect(sox.channels).toBe(1)
    expect(sox.seconds).toBeCloseTo(wavSeconds, 2)
  })

  it.each([
    ['wav', 44100, 'audio/wav'],
    ['pcm16', 24000, 'audio/L16;rate=24000;channels=1'],
    ['pcm16', undefined, 'audio/L16;rate=16000;channels=1'],
    ['mulaw', undefined, 'audio/basic'],
    ['alaw', undefined, 'audio/x-alaw-basic;rate=8000'],
    ['mulaw', 16000, 'audio/PCMU;rate=16000'],
  ] as const)('%s at %s Hz: the right type, rate and length', async (format, rate, type) => {
    const res = await tts({ format, ...(rate ? { sample_rate: rate } : {}) })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe(type)
    const expectedRate = rate ?? (format === 'mulaw' || format === 'alaw' ? 8000 : 16000)
    expect(res.headers['x-sample-rate']).toBe(String(expectedRate))
    const sox =
      format === 'wav' ? soxInfo(res.body, 'wav') :
      format === 'pcm16' ? soxInfo(res.body, 'raw16', expectedRate) :
      soxInfo(res.body, format === 'mulaw' ? 'ul' : 'al', expectedRate)
    expect(sox.rate).toBe(expectedRate)
    // The same speech, resampled: the same duration to within a few milliseconds.
    expect(Math.abs(sox.seconds - wavSeconds)).toBeLessThan(0.005)
  })

  it.each([
    ['the voice rate', undefined, 16000],
    ['8000 Hz', 8000, 8000],
    ['44100 Hz', 44100, 44100],
  ] as const)('mp3 at %s: MPEG audio at that rate, the same speech as the WAV', async (_, rate, expectedRate) => {
    const res = await tts({ format: 'mp3', ...(rate ? { sample_rate: rate } : {}) })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('audio/mpeg')
    expect(res.headers['x-sample-rate']).toBe(String(expectedRate))
    const mp3 = await mp3Info(res.body)
    expect(mp3.errors).toBe(0)
    expect(mp3.rate).toBe(expectedRate)
    expect(mp3.peak).toBeGreaterThan(1000 / 32768)
    // LAME's start-up delay and last-frame padding add at most two frames (1152 samples each).
    expect(mp3.seconds).toBeGreaterThanOrEqual(wavSeconds)
    expect(mp3.seconds).toBeLessThanOrEqual(wavSeconds + (2 * 1152) / expectedRate)
  })

  it('speaks faster at speed 2 and slower at 0.5', async () => {
    const seconds = async (speed: number) => {
      const wav = parseWav((await tts({ speed })).body)
      return wav.samples.length / wav.sampleRate
    }
    const [slow, normal, fast] = [await seconds(0.5), await seconds(1), await seconds(2)]
    expect(slow).toBeGreaterThan(normal * 1.4)
    expect(fast).toBeLessThan(normal * 0.7)
  })

  it('accepts a voice by uuid as well as by slug', async () => {
    const res = await fetch(`${t.url}/v1/voices`, { headers: { 'x-api-key': key } })
    const { voices } = (await res.json()) as { voices: Array<{ id: string; slug: string; sample_rate: number }> }
    expect(voices.map((v) => v.slug)).toEqual(expect.arrayContaining(['slt', 'kal16', 'rms', 'awb', 'kal']))
    const kal = voices.find((v) => v.slug === 'kal')!
    expect(kal.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const out = await tts({ voice_id: kal.id })
    expect(out.status).toBe(200)
    expect(parseWav(out.body).sampleRate).toBe(kal.sample_rate)
  })

  it('speaks with DEFAULT_VOICE (slt unless set) when the request names no voice', async () => {
    const res = await postRaw(t.url, '/v1/tts', { text: 'Hello.', format: 'pcm16' }, { 'x-api-key': key })
    expect(res.status).toBe(200)
    const slt = await postRaw(t.url, '/v1/tts', { text: 'Hello.', format: 'pcm16', voice_id: 'slt' }, { 'x-api-key': key })
    const kal = await postRaw(t.url, '/v1/tts', { text: 'Hello.', format: 'pcm16', voice_id: 'kal' }, { 'x-api-key': key })
    expect(res.body.equals(slt.body)).toBe(true)
    expect(res.body.equals(kal.body)).toBe(false)
  })

  it('says so when DEFAULT_VOICE names a voice that is not installed', async () => {
    const other = await startApp({ defaultVoice: 'piper-not-here' }, { shareWith: t })
    try {
      const res = await post(other.url, '/v1/tts', { text: 'Hi.' }, { 'x-api-key': await other.key() })
      expect(res.status).toBe(404)
      const err = await errorOf(res)
      expect(err.code).toBe('voice_not_found')
      expect(err.message).toMatch(/DEFAULT_VOICE/)
    } finally {
      await other.close()
    }
    expect(loadConfig({}).defaultVoice).toBe('slt')
    expect(loadConfig({ DEFAULT_VOICE: 'piper-en-us-lessac-medium' }).defaultVoice).toBe('piper-en-us-lessac-medium')
    expect(() => loadConfig({ DEFAULT_VOICE: 'slt; rm -rf' })).toThrow(/DEFAULT_VOICE must be a voice id/)
  })

  it('refuses an unknown voice with 404 voice_not_found', async () => {
    const res = await post(t.url, '/v1/tts', { text: 'Hi.', voice_id: 'nobody' }, { 'x-api-key': key })
    expect(res.status).toBe(404)
    expect((await errorOf(res)).code).toBe('voice_not_found')
  })

  it('sends a long text in many pieces, as it is made', async () => {
    const long = Array.from({ length: 6 }, (_, i) => `This is sentence ${i + 1} of a longer message.`).join(' ')
    const res = await tts({ text: long })
    expect(res.status).toBe(200)
    expect(res.reads).toBeGreaterThan(2)
    expect(parseWav(res.body).samples.length / 16000).toBeGreaterThan(6)
  })
})

describe('a client that goes away', () => {
  it('cancels the synthesis and is recorded in usage with status 499', async () => {
    const disconnecting = await t.key()
    const long = Array.from({ length: 30 }, (_, i) => `This is sentence number ${i + 1}, spoken slowly and at length.`).join(' ')
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${t.url}/v1/tts`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': disconnecting } }, (res) => {
        expect(res.statusCode).toBe(200)
        res.once('data', () => {
          req.destroy()
          resolve()
        })
      })
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)))
      req.end(JSON.stringify({ text: long, voice_id: 'espeak-en-us', speed: 0.5 }))
    })
    await expect.poll(() => t.app.pool.running + t.app.pool.queued, { timeout: 10_000 }).toBe(0)
    await expect
      .poll(async () => {
        await t.app.usage.flush()
        const [r] = await t.app.db.query<{ status: number; characters: number; ttfa_ms: number | null; endpoint: string }>(
          'SELECT status, characters, ttfa_ms, endpoint FROM usage WHERE key_id = (SELECT id FROM api_keys WHERE key_hash = $1)',
          [hashKey(disconnecting)],
        )
        return r
      }, { timeout: 10_000 })
      .toMatchObject({ status: 499, characters: long.length, endpoint: '/v1/tts' })
    // Segments are cached once complete: speaking the text again finds only those made before the
    // cancellation, not all of them.
    const segments = read(long, t.app.synth.voice('espeak-en-us')!).length
    const hits = t.app.synth.cache.hits
    for await (const _ of t.app.synth.stream(read(long, t.app.synth.voice('espeak-en-us')!, 0.5))) void _
    expect(t.app.synth.cache.hits - hits).toBeLessThan(segments / 2)
  })
})

describe('an MP3 client that goes away', () => {
  const mp3Streams = async () => Number(/^tts_mp3_streams (\d+)$/m.exec(await (await fetch(`${t.url}/metrics`)).text())![1])

  it('leaves no encoder behind', async () => {
    const long = Array.from({ length: 20 }, (_, i) => `Sentence ${i + 1} of a message nobody hears to the end.`).join(' ')
    let during = -1
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${t.url}/v1/tts`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key } }, (res) => {
        expect(res.headers['content-type']).toBe('audio/mpeg')
        res.once('data', async () => {
          during = await mp3Streams()
          req.destroy()
          resolve()
        })
      })
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)))
      req.end(JSON.stringify({ text: long, voice_id: 'espeak-en-us', speed: 0.5, format: 'mp3' }))
    })
    expect(during).toBe(1)
    await expect.poll(mp3Streams, { timeout: 10_000 }).toBe(0)
  })
})

function peak(samples: Int16Array): number {
  let m = 0
  for (const s of samples) m = Math.max(m, Math.abs(s))
  return m
}
