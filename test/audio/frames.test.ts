import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { FRAME_BYTES, createFramer } from '../../src/audio/frames.js'
import { ALAW_SILENCE, MULAW_SILENCE } from '../../src/audio/g711.js'

const join = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts))

describe('createFramer', () => {
  it('frames any chunking exactly: no byte lost, duplicated or reordered; every frame full size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.uint8Array({ maxLength: 1200 }), { maxLength: 25 }),
        fc.integer({ min: 0, max: 255 }),
        (frameBytes, chunks, pad) => {
          const framer = createFramer(frameBytes)
          const frames: Uint8Array[] = []
          for (const chunk of chunks) {
            const before = framer.pending
            const out = framer.push(chunk)
            expect(out.length).toBe(Math.floor((before + chunk.length) / frameBytes))
            frames.push(...out)
          }
          const input = join(chunks)
          const tail = framer.flush(pad)
          if (tail) frames.push(tail)
          for (const f of frames) expect(f.length).toBe(frameBytes)
          const output = join(frames)
          const padding = (frameBytes - (input.length % frameBytes)) % frameBytes
          expect(output.length).toBe(input.length + padding)
          expect(output.subarray(0, input.length)).toEqual(input)
          expect(output.subarray(input.length).every((b) => b === pad)).toBe(true)
          expect(framer.pending).toBe(0)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('hands out frames that do not change when the caller reuses its chunk buffer', () => {
    const framer = createFramer(4)
    const buf = Uint8Array.of(1, 2, 3, 4, 5, 6)
    const first = framer.push(buf)
    buf.fill(9)
    const second = framer.push(buf.subarray(0, 2))
    expect(first).toEqual([Uint8Array.of(1, 2, 3, 4)])
    expect(second).toEqual([Uint8Array.of(5, 6, 9, 9)])
  })

  it('defaults to 160-byte frames padded with μ-law silence, and restarts after flush', () => {
    const framer = createFramer()
    expect(FRAME_BYTES).toBe(160)
    expect(framer.push(new Uint8Array(100))).toEqual([])
    const last = framer.flush()!
    expect(last.length).toBe(160)
    expect(last.subarray(100).every((b) => b === MULAW_SILENCE)).toBe(true)
    expect(framer.flush()).toBeNull()
    framer.push(new Uint8Array(10).fill(1))
    expect(framer.flush(ALAW_SILENCE)!.subarray(10).every((b) => b === ALAW_SILENCE)).toBe(true)
  })

  it('rejects a frame size that is not a positive integer', () => {
    expect(() => createFramer(0)).toThrow(RangeError)
    expect(() => createFramer(1.5)).toThrow(RangeError)
  })
})
