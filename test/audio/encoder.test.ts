import { describe, it, expect } from 'vitest'
import { createEncoder, contentType } from '../../src/audio/encoder.js'
import { parseWav } from '../../src/audio/wav.js'
import { decodeMulaw } from '../../src/audio/g711.js'
import { resample } from '../../src/audio/resample.js'

const tone = (n: number, rate: number, hz = 440) => Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)))

function encodeAll(format: Parameters<typeof createEncoder>[0], input: Int16Array, inputRate: number, outputRate: number, chunk = 333) {
  const enc = createEncoder(format, { inputRate, outputRate })
  const parts = [enc.header()]
  for (let i = 0; i < input.length; i += chunk) parts.push(enc.push(input.subarray(i, i + chunk)))
  parts.push(enc.end())
  return Buffer.concat(parts)
}

describe('encoder', () => {
  it('streams a WAV that parses back at the requested rate and length', () => {
    const bytes = encodeAll('wav', tone(16000, 16000), 16000, 24000)
    const wav = parseWav(bytes)
    expect(wav.sampleRate).toBe(24000)
    expect(wav.samples.length).toBe(24000)
  })

  it('writes raw μ-law at 8 kHz that decodes to the resampled audio', () => {
    const input = tone(16000, 16000)
    const bytes = encodeAll('mulaw', input, 16000, 8000)
    expect(bytes.length).toBe(8000)
    const expected = resample(input, 16000, 8000)
    const decoded = decodeMulaw(new Uint8Array(bytes))
    let signal = 0
    let noise = 0
    for (let i = 0; i < expected.length; i++) {
      signal += expected[i] ** 2
      noise += (expected[i] - decoded[i]) ** 2
    }
    // μ-law's own quantization noise is about 38 dB below a loud tone.
    expect(10 * Math.log10(signal / noise)).toBeGreaterThan(30)
  })

  it('gives raw PCM16 and A-law the sizes their rates imply, with no header', () => {
    expect(encodeAll('pcm16', tone(22050, 22050), 22050, 22050).length).toBe(44100)
    expect(encodeAll('alaw', tone(22050, 22050), 22050, 8000).length).toBe(8000)
  })

  it('names each format with its media type', () => {
    expect(contentType('wav', 16000)).toBe('audio/wav')
    expect(contentType('mulaw', 8000)).toBe('audio/basic')
    expect(contentType('pcm16', 24000)).toBe('audio/L16;rate=24000;channels=1')
  })
})
