import { describe, it, expect } from 'vitest'
import { parsePiperConfig } from '../../../src/speech/piper/config.js'
import { piperConfig } from '../../helpers/piper-model.js'

describe('piper config', () => {
  it('reads rate, language, inference and speakers', () => {
    const config = parsePiperConfig(JSON.stringify(piperConfig({ speakers: 2, config: { inference: { length_scale: 1.5 } } })))
    expect(config).toMatchObject({ sampleRate: 22050, language: 'en-US', espeakVoice: 'en-us', lengthScale: 1.5, noiseScale: 0.667, noiseW: 0.8, numSpeakers: 2 })
    expect(config.speakers).toEqual([['speaker_a', 0], ['speaker_b', 1]])
  })

  it.each([
    [{ audio: null }, /audio.sample_rate/],
    [{ phoneme_id_map: { a: [1] } }, /phoneme_id_map has no "_"/],
    [{ espeak: {} }, /espeak.voice/],
    [{ phoneme_type: 'pinyin' }, /not supported/],
  ])('rejects a config with %j', (override, message) => {
    expect(() => parsePiperConfig(JSON.stringify(piperConfig({ config: override })))).toThrow(message)
  })
})
