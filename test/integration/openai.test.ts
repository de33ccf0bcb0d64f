// The official openai npm client, unchanged, against this server.
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseWav } from '../../src/audio/wav.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { mp3Info, soxInfo } from './audio.js'

let t: TestApp
let client: OpenAI

beforeAll(async () => {
  t = await startApp()
  client = new OpenAI({ apiKey: await t.key(), baseURL: `${t.url}/v1`, maxRetries: 0 })
})
afterAll(() => t?.close())

describe('client.audio.speech.create', () => {
  it('makes WAV with an OpenAI voice name', async () => {
    const res = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello from the OpenAI client.', response_format: 'wav' })
    expect(res.headers.get('content-type')).toBe('audio/wav')
    const wav = parseWav(new Uint8Array(await res.arrayBuffer()))
    expect(wav.sampleRate).toBe(16000)
    expect(wav.samples.length / wav.sampleRate).toBeGreaterThan(0.5)
  })

  it('makes 24 kHz 16-bit PCM for response_format pcm, as OpenAI does', async () => {
    const res = await client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'nova', input: 'Raw audio, please.', response_format: 'pcm', speed: 1.25 })
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect(bytes.length % 2).toBe(0)
    expect(res.headers.get('x-sample-rate')).toBe('24000')
    const sox = soxInfo(bytes, 'raw16', 24000)
    expect(sox.seconds).toBeGreaterThan(0.4)
  })

  it('defaults to MP3 when no format is given, as OpenAI does, and takes our own voice slugs and {id}', async () => {
    for (const voice of ['awb', { id: 'kal16' }] as const) {
      const res = await client.audio.speech.create({ model: 'tts-1', voice: voice as never, input: 'Default format.' })
      expect(res.headers.get('content-type')).toBe('audio/mpeg')
      const mp3 = await mp3Info(new Uint8Array(await res.arrayBuffer()))
      expect(mp3).toMatchObject({ rate: 16000, errors: 0 })
      expect(mp3.seconds).toBeGreaterThan(0.5)
    }
  })

  it('refuses opus with a clear 400 the client reports as BadRequestError', async () => {
    const err = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hi.', response_format: 'opus' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    const e = err as InstanceType<typeof OpenAI.BadRequestError>
    expect(e.status).toBe(400)
    expect(e.message).toMatch(/opus.*not available.*mp3, wav, pcm/)
  })

  it('refuses a speed outside 0.5–2.0 with a 400 that says so', async () => {
    const err = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hi.', speed: 4 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect((err as Error).message).toMatch(/0\.5 and 2\.0/)
  })

  it('reports a bad key as AuthenticationError', async () => {
    const bad = new OpenAI({ apiKey: 'sk-not-ours', baseURL: `${t.url}/v1`, maxRetries: 0 })
    const err = await bad.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hi.' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError)
  })
})
