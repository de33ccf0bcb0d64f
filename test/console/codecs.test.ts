// The page decodes the telephone codecs itself (web/js/audio.js): every one of the 256 codes must
// decode to what the service's own G.711 decoder gives, and PCM16 bytes to their samples.
import { describe, expect, it } from 'vitest'
import { decodeAlaw, decodeMulaw } from '../../src/audio/g711.js'
// @ts-expect-error: the console's scripts are plain JavaScript, with no type declarations
import { alawToFloat, mulawToFloat, pcm16ToFloat } from '../../web/js/audio.js'

const every = Uint8Array.from({ length: 256 }, (_, i) => i)
const scaled = (samples: Int16Array) => Array.from(samples, (s) => s / 32768)
/** As numbers, -0 as 0: μ-law's two zero codes are the same sound. */
const values = (floats: Float32Array) => Array.from(floats, (v) => v + 0)

describe("the console's decoders", () => {
  it('decode every μ-law code as the service does', () => {
    expect(values(mulawToFloat(every))).toEqual(scaled(decodeMulaw(every)))
  })

  it('decode every A-law code as the service does', () => {
    expect(values(alawToFloat(every))).toEqual(scaled(decodeAlaw(every)))
  })

  it('read PCM16 little-endian, from any offset', () => {
    const samples = Int16Array.of(0, 1, -1, 32767, -32768, 12345)
    const bytes = new Uint8Array(1 + samples.byteLength)
    bytes.set(new Uint8Array(samples.buffer), 1)
    expect(values(pcm16ToFloat(bytes.subarray(1)))).toEqual(scaled(samples))
  })
})
