// The idle watch on a caller's audio, fed real μ-law: a caller's voice (a Flite voice converted to
// 8 kHz μ-law by sox, as a phone line carries it) keeps the call alive; quiet line noise does not.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CallerAudio, rms } from '../../src/telephony/caller-audio.js'
import type { MediaMessage } from '../../src/telephony/media-stream.js'
import { decodeMulaw } from '../../src/audio/g711.js'
import { lineNoiseFrames, spokenFrames } from '../helpers/caller-voice.js'

let seq = 0
const media = (frame: Buffer): MediaMessage => ({
  event: 'media', sequenceNumber: String(++seq), streamSid: 'MZ1',
  media: { track: 'inbound', chunk: String(seq), timestamp: String(seq * 20), payload: frame.toString('base64') },
})

const voiceFrames = spokenFrames('Hello, are you still there? I would like to book a table for two.')
const quietFrames = lineNoiseFrames(2)

afterEach(() => vi.useRealTimers())

function watch(idleMs: number, busy = () => false) {
  let idled = 0
  const caller = new CallerAudio({ idleMs, busy, onIdle: () => idled++ })
  caller.start()
  return { caller, idled: () => idled }
}

/** Feeds frames in real-time steps of 20 ms (fake clock), cycling through `frames`. */
function play(caller: CallerAudio, frames: Buffer[], ms: number) {
  for (let t = 0, i = 0; t < ms; t += 20, i++) {
    caller.hear(media(frames[i % frames.length]))
    vi.advanceTimersByTime(20)
  }
}

describe('CallerAudio', () => {
  it('is fed what it should be: speech well above quiet line noise', () => {
    const dbfs = (f: Buffer) => 20 * Math.log10(Math.max(1, rms(decodeMulaw(f))) / 32768)
    const loudest = Math.max(...voiceFrames.map(dbfs))
    const noisiest = Math.max(...quietFrames.map(dbfs))
    expect(loudest).toBeGreaterThan(-30)
    expect(noisiest).toBeLessThan(-55)
  })

  it('ends a call whose caller is silent and that has nothing to say, after the idle time and once', () => {
    vi.useFakeTimers()
    const { caller, idled } = watch(3000)
    play(caller, quietFrames, 2900)
    expect(idled()).toBe(0)
    play(caller, quietFrames, 1200)
    expect(idled()).toBe(1)
    play(caller, quietFrames, 5000)
    expect(idled()).toBe(1)
  })

  it('ends a call that hears no media at all (a muted caller) just the same', () => {
    vi.useFakeTimers()
    const { idled } = watch(2000)
    vi.advanceTimersByTime(1999)
    expect(idled()).toBe(0)
    vi.advanceTimersByTime(1000)
    expect(idled()).toBe(1)
  })

  it('keeps a call alive while the caller speaks, and counts the idle time from their last word', () => {
    vi.useFakeTimers()
    const { caller, idled } = watch(3000)
    const spoken = voiceFrames.length * 20
    play(caller, quietFrames, 2000)
    play(caller, voiceFrames, spoken) // speaking across what would have been the idle time
    play(caller, voiceFrames, spoken)
    expect(idled()).toBe(0)
    play(caller, quietFrames, 2500)
    expect(idled()).toBe(0) // the last words were heard well under 3 s ago
    play(caller, quietFrames, 2000)
    expect(idled()).toBe(1)
  })

  it('does not take a blocked event loop for silence: frames queued meanwhile are heard first', () => {
    vi.useFakeTimers()
    const { caller, idled } = watch(1000)
    play(caller, voiceFrames.slice(0, 25), 500)
    vi.setSystemTime(Date.now() + 1500) // the loop was blocked for 1.5 s while the caller spoke
    vi.advanceTimersByTime(500) // the overdue check runs before the queued frames are read
    expect(idled()).toBe(0)
    play(caller, voiceFrames, 600) // the frames that waited are read
    expect(idled()).toBe(0)
    play(caller, quietFrames, 1500)
    expect(idled()).toBe(1)
  })

  it('keeps a call alive while it is busy saying something, however quiet the caller', () => {
    vi.useFakeTimers()
    let busy = true
    const { caller, idled } = watch(2000, () => busy)
    play(caller, quietFrames, 10_000)
    expect(idled()).toBe(0)
    busy = false
    play(caller, quietFrames, 1500)
    expect(idled()).toBe(0) // idle counts from when it stopped speaking
    play(caller, quietFrames, 1500)
    expect(idled()).toBe(1)
  })

  it('never ends a call with an idle time of 0, and stops watching when stopped', () => {
    vi.useFakeTimers()
    const never = watch(0)
    play(never.caller, quietFrames, 60_000)
    expect(never.idled()).toBe(0)
    const stopped = watch(1000)
    stopped.caller.stop()
    vi.advanceTimersByTime(10_000)
    expect(stopped.idled()).toBe(0)
  })
})
