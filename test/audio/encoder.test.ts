import { describe, it, expect } from 'vitest'
import { MPEGDecoder } from 'mpg123-decoder'
import { createEncoder, contentType, encodeChunks } from '../../src/audio/encoder.js'
import { parseWav } from '../../src/audio/wav.js'
import { decodeMulaw } from '../../src/audio/g711.js'
import { resample } from '../../src/audio/resample.js'

const tone = (n: number, rate: number, hz = 440) => Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)))

async function encodeAll(format: Parameters<typeof createEncoder>[0], input: Int16Array, inputRate: number, outputRate: number, chunk = 333) {
  const enc = await createEncoder(format, { inputRate, outputRate })
  const parts = [enc.header()]
  for (let i = 0; i < input.length; i += chunk) parts.push(await enc.push(input.subarray(i, i + chunk)))
  parts.push(await enc.end())
  return Buffer.concat(parts)
}

describe('encoder', () => {
  it('streams a WAV that parses back at the requested rate and length', async () => {
    const bytes = await encodeAll('wav', tone(16000, 16000), 16000, 24000)
    const wav = parseWav(bytes)
    expect(wav.sampleRate).toBe(24000)
    expect(wav.samples.length).toBe(24000)
  })

  it('writes raw μ-law at 8 kHz that decodes to the resampled audio', async () => {
    const input = tone(16000, 16000)
    const bytes = await encodeAll('mulaw', input, 16000, 8000)
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

  it('gives raw PCM16 and A-law the sizes their rates imply, with no header', async () => {
    expect((await encodeAll('pcm16', tone(22050, 22050), 22050, 22050)).length).toBe(44100)
    expect((await encodeAll('alaw', tone(22050, 22050), 22050, 8000)).length).toBe(8000)
  })

  it('names each format with its media type', () => {
    expect(contentType('wav', 16000)).toBe('audio/wav')
    expect(contentType('mulaw', 8000)).toBe('audio/basic')
    expect(contentType('pcm16', 24000)).toBe('audio/L16;rate=24000;channels=1')
    expect(contentType('mp3', 22050)).toBe('audio/mpeg')
  })
})

/** Power of `x` at `hz` (Goertzel), as a fraction of its total power. */
function toneShare(x: Float32Array, rate: number, hz: number): number {
  const w = (2 * Math.PI * hz) / rate
  let s1 = 0
  let s2 = 0
  let total = 0
  for (const v of x) {
    const s0 = v + 2 * Math.cos(w) * s1 - s2
    s2 = s1
    s1 = s0
    total += v * v
  }
  return ((s1 * s1 + s2 * s2 - 2 * Math.cos(w) * s1 * s2) * 2) / x.length / total
}

describe('mp3', () => {
  const decoder = new MPEGDecoder()

  it.each([
    [16000, 16000],
    [22050, 8000],
    [16000, 24000],
    [16000, 48000],
  ])('%i Hz in, %i Hz out: decodes to the same tone at the same level, the same however it was fed', async (inputRate, outputRate) => {
    await decoder.ready
    await decoder.reset()
    const input = tone(inputRate, inputRate, 1000) // one second
    const bytes = await encodeAll('mp3', input, inputRate, outputRate)
    expect(Buffer.compare(bytes, await encodeAll('mp3', input, inputRate, outputRate, 1 << 20))).toBe(0)
    const { channelData, sampleRate, samplesDecoded, errors } = decoder.decode(new Uint8Array(bytes))
    expect(errors).toEqual([])
    expect(sampleRate).toBe(outputRate)
    // LAME adds its start-up delay and pads the last frame: at most two frames (1152 samples each) more.
    expect(samplesDecoded).toBeGreaterThanOrEqual(outputRate)
    expect(samplesDecoded).toBeLessThanOrEqual(outputRate + 2 * 1152)
    // The steady middle half: clear of the encoder's start-up and of the end of the tone.
    const audio = channelData[0].subarray(samplesDecoded >> 2, (3 * samplesDecoded) >> 2)
    expect(toneShare(audio, outputRate, 1000)).toBeGreaterThan(0.99)
    const rms = Math.sqrt(audio.reduce((n, v) => n + v * v, 0) / audio.length)
    expect(20 * Math.log10(rms / (8000 / 32768 / Math.SQRT2))).toBeCloseTo(0, 0)
  })

  it('refuses a rate MPEG audio does not have', async () => {
    await expect(createEncoder('mp3', { inputRate: 16000, outputRate: 20000 })).rejects.toThrow(/no 20000 Hz/)
  })
})

describe('encodeChunks', () => {
  interface Chunk {
    samples: Int16Array
    id: number
  }
  async function* chunksOf(input: Int16Array, size: number): AsyncGenerator<Chunk> {
    for (let i = 0, id = 0; i < input.length; i += size, id++) yield { samples: input.subarray(i, i + size), id }
  }
  async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    for await (const b of it) out.push(b)
    return out
  }

  it('gives the same bytes as pushing every chunk through the encoder by hand, header first', async () => {
    const input = tone(16000, 16000)
    const pieces = await collect(encodeChunks(chunksOf(input, 700), await createEncoder('wav', { inputRate: 16000, outputRate: 24000 })))
    expect(pieces[0].length).toBe(44) // the WAV header comes on its own, before any audio
    expect(Buffer.concat(pieces).equals(await encodeAll('wav', input, 16000, 24000, 700))).toBe(true)
    expect(pieces.every((p) => p.length > 0)).toBe(true)
  })

  it('cuts a long chunk into slices so no piece holds more than a slice of audio', async () => {
    const input = tone(16000, 16000)
    const pieces = await collect(encodeChunks(chunksOf(input, 16000), await createEncoder('pcm16', { inputRate: 16000, outputRate: 16000 }), { slice: 160 }))
    expect(pieces.length).toBe(100)
    expect(pieces.every((p) => p.length === 320)).toBe(true)
    expect(Buffer.concat(pieces).equals(Buffer.from(input.buffer))).toBe(true)
  })

  it('stops taking chunks when `after` says so, still ending the encoder, and does not pull the next chunk', async () => {
    const seen: number[] = []
    const pulled: number[] = []
    async function* source(): AsyncGenerator<Chunk> {
      for await (const c of chunksOf(tone(8000, 8000), 1000)) {
        pulled.push(c.id)
        yield c
      }
    }
    const encoder = await createEncoder('mulaw', { inputRate: 8000, outputRate: 8000 })
    const pieces = await collect(encodeChunks(source(), encoder, { after: (c) => (seen.push(c.id), c.id < 2) }))
    expect(seen).toEqual([0, 1, 2])
    expect(pulled).toEqual([0, 1, 2])
    expect(Buffer.concat(pieces).length).toBe(3000)
  })

  it('yields the resampler tail at the end, so the output is as long as the input implies', async () => {
    const input = tone(22050, 22050)
    const bytes = Buffer.concat(await collect(encodeChunks(chunksOf(input, 441), await createEncoder('mulaw', { inputRate: 22050, outputRate: 8000 }))))
    expect(bytes.length).toBe(8000)
  })

  it('yields nothing for no audio in a headerless format', async () => {
    const empty: AsyncIterable<Chunk> = (async function* () {})()
    expect(await collect(encodeChunks(empty, await createEncoder('alaw', { inputRate: 16000, outputRate: 8000 })))).toEqual([])
  })
})
