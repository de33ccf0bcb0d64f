// Segment length by the voice's engine time, and each voice's cost to the pool as measured.
import { describe, expect, it } from 'vitest'
import { SynthesisCosts, segmentChars } from '../../src/speech/costs.js'
import type { VoiceInfo } from '../../src/speech/engine.js'

const voice = (id: string, engine: string): VoiceInfo => ({ id, name: id, language: 'en-US', gender: 'female', sampleRate: 16000, engine })

describe('segmentChars', () => {
  it('keeps the fast voices at the segmenter\'s 200 characters and cuts a neural voice\'s segments shorter, never below a clause', () => {
    expect(segmentChars(voice('kal16', 'flite'))).toBe(200)
    expect(segmentChars(voice('slt', 'flite'))).toBe(200) // 0.62 ms a character: 200 take 124 ms
    expect(segmentChars(voice('en_US-lessac-medium', 'piper'))).toBe(80)
  })
})

describe('SynthesisCosts', () => {
  it('starts from the table and learns what the pool measures', () => {
    const costs = new SynthesisCosts()
    const slt = voice('slt', 'flite')
    expect(costs.share(slt)).toBeCloseTo(0.62 / 55, 5)
    for (let i = 0; i < 200; i++) costs.record(slt, 30, 1000) // this machine is slower: 3 % of a worker
    expect(costs.share(slt)).toBeCloseTo(0.03, 3)
  })

  it('does not let one slow segment (a voice loading in a fresh worker) make a voice look hundreds of times dearer', () => {
    const costs = new SynthesisCosts()
    const kal16 = voice('kal16', 'flite')
    const before = costs.share(kal16)
    costs.record(kal16, 400, 1000)
    expect(costs.share(kal16)).toBeLessThanOrEqual(before * 1.3 + 1e-12)
  })
})
