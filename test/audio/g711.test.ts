import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import alawmulawNs from 'alawmulaw'
import * as g711 from '../../src/audio/g711.js'

const ref = ((alawmulawNs as unknown as { default?: typeof alawmulawNs }).default ?? alawmulawNs) as {
  mulaw: { encodeSample(s: number): number; decodeSample(b: number): number }
  alaw: { encodeSample(s: number): number; decodeSample(b: number): number }
}

const ALL_SAMPLES = Int16Array.from({ length: 65536 }, (_, i) => i - 32768)
const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i)

/** Largest |x - decode(encode(x))| allowed for a sample of magnitude |x|: half the quantization
 *  step of its segment (μ-law steps double from 8 to 1024, A-law from 16 to 1024; both decode to
 *  the middle of a step), more only at the very top where both codecs clip. */
function maxError(codec: 'mulaw' | 'alaw', x: number): number {
  const m = Math.abs(x)
  if (m >= 32124) return 1024
  if (codec === 'mulaw') {
    const segment = Math.min(7, Math.floor(Math.log2((m + 132) / 128)))
    return 2 ** (segment + 3) / 2 + 1
  }
  const segment = m < 256 ? 0 : Math.floor(Math.log2(m)) - 7
  return (segment === 0 ? 16 : 2 ** (segment + 3)) / 2 + 1
}

describe('g711', () => {
  for (const codec of ['mulaw', 'alaw'] as const) {
    const encode = codec === 'mulaw' ? g711.encodeMulaw : g711.encodeAlaw
    const decode = codec === 'mulaw' ? g711.decodeMulaw : g711.decodeAlaw

    it(`${codec}: encodes every 16-bit sample exactly as alawmulaw does`, () => {
      const ours = encode(ALL_SAMPLES)
      for (let i = 0; i < ALL_SAMPLES.length; i++) {
        if (ours[i] !== (ref[codec].encodeSample(ALL_SAMPLES[i]) & 0xff)) {
          expect.fail(`${codec} sample ${ALL_SAMPLES[i]}: ${ours[i]} vs ${ref[codec].encodeSample(ALL_SAMPLES[i]) & 0xff}`)
        }
      }
    })

    it(`${codec}: decodes every byte exactly as alawmulaw does`, () => {
      const ours = decode(ALL_BYTES)
      // | 0: alawmulaw returns -0 for one of μ-law's two zero codes; Int16Array holds 0.
      expect(Array.from(ours)).toEqual(Array.from(ALL_BYTES, (b) => ref[codec].decodeSample(b) | 0))
    })

    it(`${codec}: decode∘encode stays within half a quantization step`, () => {
      const back = decode(encode(ALL_SAMPLES))
      for (let i = 0; i < ALL_SAMPLES.length; i++) {
        const x = ALL_SAMPLES[i]
        if (Math.abs(back[i] - x) > maxError(codec, x)) expect.fail(`${codec} ${x} → ${back[i]}`)
      }
    })

    it(`${codec}: encode∘decode is the identity on codes (bar the two zero codes)`, () => {
      const again = encode(decode(ALL_BYTES))
      for (let b = 0; b < 256; b++) {
        const ok = again[b] === b || decode(Uint8Array.of(again[b]))[0] === decode(Uint8Array.of(b))[0]
        expect(ok, `${codec} code ${b} → ${again[b]}`).toBe(true)
      }
    })

    it(`${codec}: writes into a caller's buffer and rejects one too short`, () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 300 }), (values) => {
          const pcm = Int16Array.from(values)
          const out = new Uint8Array(pcm.length + 4).fill(7)
          expect(encode(pcm, out)).toBe(out)
          expect(out.subarray(0, pcm.length)).toEqual(encode(pcm))
          expect(Array.from(out.subarray(pcm.length))).toEqual([7, 7, 7, 7])
        }),
      )
      expect(() => encode(new Int16Array(4), new Uint8Array(3))).toThrow(RangeError)
    })
  }

  it('silence bytes decode to (near) zero', () => {
    expect(g711.decodeMulaw(Uint8Array.of(g711.MULAW_SILENCE))[0]).toBe(0)
    expect(Math.abs(g711.decodeAlaw(Uint8Array.of(g711.ALAW_SILENCE))[0])).toBeLessThanOrEqual(8)
    expect(g711.encodeMulaw(Int16Array.of(0))[0]).toBe(g711.MULAW_SILENCE)
    expect(g711.encodeAlaw(Int16Array.of(0))[0]).toBe(g711.ALAW_SILENCE)
  })

  it('per-sample helpers agree with the array codecs', () => {
    for (const s of [-32768, -1000, -1, 0, 1, 1000, 32767]) {
      expect(g711.mulawEncodeSample(s)).toBe(g711.encodeMulaw(Int16Array.of(s))[0])
      expect(g711.alawEncodeSample(s)).toBe(g711.encodeAlaw(Int16Array.of(s))[0])
    }
    for (const b of [0, 0x55, 0x7f, 0x80, 0xd5, 0xff]) {
      expect(g711.mulawDecodeSample(b)).toBe(g711.decodeMulaw(Uint8Array.of(b))[0])
      expect(g711.alawDecodeSample(b)).toBe(g711.decodeAlaw(Uint8Array.of(b))[0])
    }
  })
})
