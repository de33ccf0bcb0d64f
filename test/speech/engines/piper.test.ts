import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PiperEngine, toPcm16 } from '../../../src/speech/engines/piper.js'
import { EspeakEngine } from '../../../src/speech/engines/espeak.js'
import { phonemeIds } from '../../../src/speech/piper/phonemes.js'
import { IPA_CLOSE, IPA_OPEN } from '../../../src/speech/ssml/phonemes.js'
import { PHONEME_ID_MAP, SAMPLES_PER_ID, decodeIds, piperConfig, testModel, writeVoice } from '../../helpers/piper-model.js'

const id = (symbol: string) => PHONEME_ID_MAP[symbol][0]
const map = new Map(Object.entries(PHONEME_ID_MAP))

async function collect(it: AsyncIterable<Int16Array>): Promise<Int16Array[]> {
  const out: Int16Array[] = []
  for await (const c of it) out.push(c)
  return out
}

describe('piper engine', () => {
  let dir: string
  let espeak: EspeakEngine
  let engine: PiperEngine
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cw-piper-'))
    writeVoice(dir, { name: 'en_US-test-x_low' })
    writeVoice(dir, { name: 'slow', config: { inference: { noise_scale: 0.5, length_scale: 1.5, noise_w: 0.7 }, audio: { sample_rate: 16000 } } })
    writeVoice(dir, { name: 'multi', speakers: 3 })
    writeVoice(dir, { name: 'open-batch', model: testModel({ batch: 'batch_size' }) }) // as Piper exports it
    writeVoice(dir, { name: 'zz-wrong-speakers', model: testModel({ speakers: 2 }) }) // has sid, config says one speaker
    writeVoice(dir, { name: 'zz-no-sid', speakers: 2, model: testModel() })
    writeVoice(dir, { name: 'zz-no-espeak', config: { espeak: { voice: 'xx-nowhere' } } })
    writeVoice(dir, { name: 'zz-corrupt', model: new Uint8Array([1, 2, 3, 4]) })
    writeFileSync(join(dir, 'zz-broken.onnx'), testModel())
    writeFileSync(join(dir, 'zz-broken.onnx.json'), '{"audio": ')
    writeFileSync(join(dir, 'zz-orphan.onnx.json'), JSON.stringify(piperConfig()))
    writeFileSync(join(dir, 'zz-lonely.onnx'), testModel())
    writeFileSync(join(dir, 'README.md'), 'not a voice')
    espeak = await EspeakEngine.load()
    engine = await PiperEngine.load({ modelsDir: dir, device: 'cpu', threads: 1 }, async () => espeak)
  })
  afterAll(async () => {
    await engine.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('finds each pair as a voice, one per speaker, with language and rate from its config', () => {
    expect(engine.voices().map((v) => v.id).sort()).toEqual(['piper-en-us-test-x-low', 'piper-multi-speaker-a', 'piper-multi-speaker-b', 'piper-multi-speaker-c', 'piper-open-batch', 'piper-slow'])
    expect(engine.voices().find((v) => v.id === 'piper-slow')).toMatchObject({ engine: 'piper', language: 'en-US', sampleRate: 16000 })
    const status = engine.status()
    expect(status.voices.find((v) => v.id === 'piper-multi-speaker-b')).toMatchObject({ model: 'multi.onnx', speaker: 'speaker_b', device: 'cpu' })
    expect(status.warning).toBeUndefined()
  })

  it('skips and reports every broken or mismatched pair, one entry each', () => {
    const reasons = Object.fromEntries(engine.status().skipped.map((s) => [s.file, s.reason]))
    expect(Object.keys(reasons).sort()).toEqual(['zz-broken.onnx', 'zz-corrupt.onnx', 'zz-lonely.onnx', 'zz-no-espeak.onnx', 'zz-no-sid.onnx', 'zz-orphan.onnx.json', 'zz-wrong-speakers.onnx'])
    expect(reasons['zz-broken.onnx']).toMatch(/not valid JSON/)
    expect(reasons['zz-orphan.onnx.json']).toMatch(/no zz-orphan.onnx beside it/)
    expect(reasons['zz-lonely.onnx']).toMatch(/no zz-lonely.onnx.json/)
    expect(reasons['zz-wrong-speakers.onnx']).toMatch(/one speaker: it has unexpected sid/)
    expect(reasons['zz-no-sid.onnx']).toMatch(/2 speakers: it lacks sid/)
    expect(reasons['zz-no-espeak.onnx']).toMatch(/no voice "xx-nowhere"/)
  })

  it('sends the eSpeak phonemes of each sentence in Piper layout, and the audio carries them', async () => {
    const text = 'Hello world. How are you?'
    const expected = ['Hello world', 'How are you'].map((clause, i) => phonemeIds([...espeak.phonemize(clause, 'espeak-en-us'), i ? '?' : '.'], map))
    expect(await engine.phonemeIds(text, 'piper-en-us-test-x-low')).toEqual(expected)
    const chunks = await collect(engine.synthesize(text, { voice: 'piper-en-us-test-x-low', speed: 1 }))
    expect(chunks.map((c) => decodeIds(c))).toEqual(expected)
    expect(chunks[0].length).toBe(expected[0].length * SAMPLES_PER_ID)
  })

  it('speaks IPA an SSML phoneme gave as it is given: those phonemes, in place', async () => {
    const text = `Say ${IPA_OPEN}təmˈɑːtoʊ${IPA_CLOSE} now.`
    const expected = phonemeIds([...espeak.phonemize('Say', 'espeak-en-us'), ' ', ...'təmˈɑːtoʊ'.normalize('NFD'), ' ', ...espeak.phonemize('now', 'espeak-en-us'), '.'], map)
    const [chunk] = await collect(engine.synthesize(text, { voice: 'piper-en-us-test-x-low', speed: 1 }))
    expect(decodeIds(chunk)).toEqual(expected)
  })

  it('divides the length scale by the speed, from the config value', async () => {
    const length = async (voice: string, speed: number) => (await collect(engine.synthesize('Hi there.', { voice, speed })))[0].length
    const ids = (await engine.phonemeIds('Hi there.', 'piper-slow'))[0].length
    expect(await length('piper-en-us-test-x-low', 1)).toBe(ids * SAMPLES_PER_ID)
    expect(await length('piper-en-us-test-x-low', 2)).toBe((ids * SAMPLES_PER_ID) / 2)
    expect(await length('piper-en-us-test-x-low', 0.5)).toBe(ids * SAMPLES_PER_ID * 2)
    expect(await length('piper-slow', 1)).toBe(ids * SAMPLES_PER_ID * 1.5)
    expect(await length('piper-slow', 1.5)).toBe(ids * SAMPLES_PER_ID)
  })

  it('gives each speaker its own sid', async () => {
    for (const [voice, sid] of [['piper-multi-speaker-a', 0], ['piper-multi-speaker-c', 2]] as const) {
      const [chunk] = await collect(engine.synthesize('Yes.', { voice, speed: 1 }))
      expect(decodeIds(chunk, sid)).toEqual((await engine.phonemeIds('Yes.', voice))[0])
    }
  })

  it('speaks with a model whose batch axis is open, as Piper exports it', async () => {
    const [chunk] = await collect(engine.synthesize('Yes.', { voice: 'piper-open-batch', speed: 1 }))
    expect(decodeIds(chunk)).toEqual((await engine.phonemeIds('Yes.', 'piper-open-batch'))[0])
  })

  it('rejects an unknown voice', async () => {
    await expect(collect(engine.synthesize('x', { voice: 'piper-nope', speed: 1 }))).rejects.toThrow(/no voice/)
  })

  it('clips float audio beyond full scale instead of wrapping it', () => {
    expect(Array.from(toPcm16(Float32Array.of(0, 0.5, -0.5, 1, -1, 1.7, -3)))).toEqual([0, 16384, -16383, 32767, -32767, 32767, -32768])
  })

  it('falls back to the CPU, with one warning, when CUDA cannot load', async () => {
    const cuda = await PiperEngine.load({ modelsDir: dir, device: 'cuda', threads: 1 }, async () => espeak)
    const status = cuda.status()
    expect(status.requestedDevice).toBe('cuda')
    expect(status.warning).toMatch(/CUDA execution provider could not be loaded.*run on the CPU/)
    expect(status.voices.length).toBe(engine.voices().length)
    expect(status.voices.every((v) => v.device === 'cpu')).toBe(true)
    expect(decodeIds((await collect(cuda.synthesize('Ok.', { voice: 'piper-slow', speed: 1.5 })))[0])).toEqual((await cuda.phonemeIds('Ok.', 'piper-slow'))[0])
    await cuda.close()
  })

  it('reports a missing models directory without failing', async () => {
    const none = await PiperEngine.load({ modelsDir: join(dir, 'nope'), device: 'cpu', threads: 1 }, async () => espeak)
    expect(none.voices()).toEqual([])
    expect(none.status()).toMatchObject({ dirMissing: true, skipped: [] })
  })
})
