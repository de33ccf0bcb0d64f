// The load admission predicts: each live consumer's voice costs the pool what the pool measured for
// it (or, before any measurement, what the cost table says), and a newcomer who would take the
// predicted load past the limit is refused.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Admission, Refused } from '../../src/speech/admission.js'
import { SynthesisCosts } from '../../src/speech/costs.js'
import type { VoiceInfo } from '../../src/speech/engine.js'

const voice = (id: string, engine = 'flite'): VoiceInfo => ({ id, name: id, language: 'en-US', gender: 'female', sampleRate: 16000, engine })
const slow = voice('neural', 'piper')
const fast = voice('kal16')

afterEach(() => vi.useRealTimers())

function admission(limits: Partial<{ maxLoad: number; maxLive: number; restMaxWaitS: number }> = {}) {
  const costs = new SynthesisCosts()
  // Measured: 100 ms of a worker per second of audio, so each such call takes 5 % of two workers.
  for (let i = 0; i < 100; i++) costs.record(slow, 100, 1000)
  return new Admission({ size: 2, costs }, { maxLoad: 0.85, maxLive: 0, restMaxWaitS: 30, ...limits })
}

describe('Admission', () => {
  it('admits live consumers until their predicted load would pass the limit, and again once one leaves', () => {
    const a = admission()
    const leaves: (() => void)[] = []
    for (let i = 0; i < 16; i++) {
      a.check('call', slow)
      leaves.push(a.start(slow))
    }
    expect(a.load()).toBeCloseTo(0.8, 3)
    // Ten calls in a voice that costs next to nothing (the table's 0.05 ms a character) take 0.5 %.
    for (let i = 0; i < 10; i++) {
      a.check('speak', fast)
      leaves.push(a.start(fast))
    }
    expect(a.load()).toBeCloseTo(0.8045, 3)
    expect(() => a.check('call', slow)).toThrow(Refused)
    expect(() => a.check('speak', slow)).toThrow(Refused)
    leaves[0]()
    expect(() => a.check('call', slow)).not.toThrow()
    expect(a.refusals).toMatchObject({ call: 1, speak: 1 })
  })

  it('caps live consumers at maxLive whatever their voices', () => {
    const a = admission({ maxLive: 3 })
    for (let i = 0; i < 3; i++) a.start(fast)
    expect(() => a.check('outbound', fast)).toThrow(expect.objectContaining({ status: 503, headers: { 'retry-after': 5 } }))
  })

  it('holds an answered call\'s place until its stream starts there, it is dropped, or for 30 s', () => {
    vi.useFakeTimers()
    const a = admission({ maxLive: 1 })
    a.hold('call-1', fast)
    expect(() => a.check('call', fast)).toThrow(Refused)
    const leave = a.start(fast, 'call-1') // takes the place held, not a second one
    expect(a.liveCount).toBe(1)
    leave()
    a.hold('call-2', fast)
    vi.advanceTimersByTime(30_000)
    expect(a.liveCount).toBe(0) // its stream never came
    a.hold('call-3', fast)
    a.drop('call-3') // Twilio refused it, or nobody answered
    expect(() => a.check('call', fast)).not.toThrow()
  })

  it('refuses REST work that would wait past restMaxWaitS, and counts what live speech leaves it', () => {
    const a = admission({ restMaxWaitS: 1 })
    // 2,000 characters cost 2,000 × 55 ms of audio × 0.1 = 11 s of a worker: 5.5 s on two.
    const release = a.rest(slow, 2000)
    expect(() => a.rest(slow, 10)).toThrow(expect.objectContaining({ headers: { 'retry-after': 5 } }))
    release()
    release() // twice is once
    expect(() => a.rest(slow, 10)).not.toThrow()
  })
})
