// A Piper voice end to end: dropped into MODELS_DIR, it is listed, reported by /health and
// /metrics, spoken through POST /v1/tts, and a voice added or changed later is heard after a reload.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseWav } from '../../src/audio/wav.js'
import { decodeIds, writeVoice, PHONEME_ID_MAP } from '../helpers/piper-model.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { postRaw } from './audio.js'

let t: TestApp
let dir: string
let key: string
let admin: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cw-piper-api-'))
  writeVoice(dir, { name: 'en_US-test-x_low' })
  writeFileSync(join(dir, 'broken.onnx.json'), '{}')
  t = await startApp({ modelsDir: dir })
  key = await t.key()
  admin = await t.key({ scopes: ['admin'] })
})
afterAll(async () => {
  await t?.close()
  rmSync(dir, { recursive: true, force: true })
})

const get = (path: string, k = key) => fetch(`${t.url}${path}`, { headers: { 'x-api-key': k } })

describe('piper voices through the API', () => {
  it('lists the voice and reports its device and the broken file in /health and /metrics', async () => {
    const { voices } = (await (await get('/v1/voices')).json()) as { voices: { slug: string; engine: string; sample_rate: number }[] }
    expect(voices).toContainEqual(expect.objectContaining({ slug: 'piper-en-us-test-x-low', engine: 'piper', sample_rate: 22050 }))
    const health = (await (await fetch(`${t.url}/health`)).json()) as { speech: { piper: { voices: unknown[]; skipped: { file: string }[] } } }
    expect(health.speech.piper.voices).toEqual([{ id: 'piper-en-us-test-x-low', device: 'cpu' }])
    expect(health.speech.piper.skipped.map((s) => s.file)).toEqual(['broken.onnx.json'])
    const metrics = await (await fetch(`${t.url}/metrics`)).text()
    expect(metrics).toContain('tts_voice_device{voice="piper-en-us-test-x-low",device="cpu"} 1')
    expect(metrics).toMatch(/^tts_models_skipped 1$/m)
    expect(metrics).toMatch(/^tts_model_loaded\{engine="piper"\} 1$/m)
  })

  it('speaks through POST /v1/tts: the audio carries the phoneme ids of the text', async () => {
    const res = await postRaw(t.url, '/v1/tts', { text: 'Hello there.', voice_id: 'piper-en-us-test-x-low', format: 'pcm16' }, { 'x-api-key': key })
    expect(res.status).toBe(200)
    expect(res.headers['x-sample-rate']).toBe('22050')
    const pcm = new Int16Array(res.body.buffer, res.body.byteOffset, res.body.length / 2)
    const ids = decodeIds(pcm)
    // Piper's layout: BOS, then each phoneme followed by the pad, then EOS.
    expect(ids[0]).toBe(PHONEME_ID_MAP['^'][0])
    expect(ids.at(-1)).toBe(PHONEME_ID_MAP['$'][0])
    expect(ids.filter((_, i) => i % 2 === 1).every((id) => id === PHONEME_ID_MAP['_'][0])).toBe(true)
    const wav = await postRaw(t.url, '/v1/tts', { text: 'Hello there.', voice_id: 'piper-en-us-test-x-low', format: 'wav', sample_rate: 8000 }, { 'x-api-key': key })
    expect(parseWav(wav.body).sampleRate).toBe(8000)
  })

  it('picks up a voice added later on an admin reload, and refuses the reload to a tts-only key', async () => {
    writeVoice(dir, { name: 'later' })
    const refused = await fetch(`${t.url}/v1/voices/reload`, { method: 'POST', headers: { 'x-api-key': key } })
    expect(refused.status).toBe(403)
    const res = await fetch(`${t.url}/v1/voices/reload`, { method: 'POST', headers: { 'x-api-key': admin } })
    expect(res.status).toBe(200)
    const report = (await res.json()) as { piper: { voices: { id: string }[] } }
    expect(report.piper.voices.map((v) => v.id)).toEqual(['piper-en-us-test-x-low', 'piper-later'])
    const spoken = await postRaw(t.url, '/v1/tts', { text: 'Later.', voice_id: 'piper-later', format: 'pcm16' }, { 'x-api-key': key })
    expect(spoken.status).toBe(200)
    expect(spoken.body.length).toBeGreaterThan(0)
  })

  it('speaks a voice changed on disk anew after a reload, not from the cache', async () => {
    const say = async () => {
      const res = await postRaw(t.url, '/v1/tts', { text: 'Hello there.', voice_id: 'piper-en-us-test-x-low', format: 'pcm16' }, { 'x-api-key': key })
      expect(res.status).toBe(200)
      return res.body.length
    }
    const before = await say()
    expect(await say()).toBe(before) // the second time from the segment cache
    writeVoice(dir, { name: 'en_US-test-x_low', config: { inference: { noise_scale: 0.667, length_scale: 2, noise_w: 0.8 } } })
    expect((await fetch(`${t.url}/v1/voices/reload`, { method: 'POST', headers: { 'x-api-key': admin } })).status).toBe(200)
    expect(await say()).toBe(before * 2)
  })
})
