// The caller's voice activity on real telephone audio: another voice's speech (Flite's awb,
// brought to 8 kHz μ-law by sox) after silence starts a turn within the start threshold of its
// first frame; a 150 ms burst of the same speech, line noise at -40 dBFS and silence never do.
import { afterEach, describe, expect, it } from 'vitest'
import { decodeMulaw } from '../../src/audio/g711.js'
import { rms } from '../../src/telephony/caller-audio.js'
import { VoiceActivity, type VadEvent } from '../../src/telephony/vad.js'
import { lineNoiseFrames, noiseFrames, spokenFrames } from '../helpers/caller-voice.js'

const speech = spokenFrames('Hello, I would like to book a table for two, tomorrow evening please.')
const silence = (n: number) => Array.from({ length: n }, () => Buffer.alloc(160, 0xff))
const dbfs = (f: Buffer) => 20 * Math.log10(Math.max(1, rms(decodeMulaw(f))) / 32768)
/** The speech from its first frame with sound in it. */
const firstSound = speech.findIndex((f) => dbfs(f) > -50)

const vads: VoiceActivity[] = []
afterEach(() => vads.splice(0).forEach((v) => v.close()))

async function run(frames: Buffer[], settings = {}): Promise<(VadEvent & { at: number })[]> {
  const vad = await VoiceActivity.create(settings)
  vads.push(vad)
  const events: (VadEvent & { at: number })[] = []
  frames.forEach((f, i) => {
    const e = vad.push(decodeMulaw(f), i * 20)
    if (e) events.push({ ...e, at: i * 20 })
  })
  return events
}

describe('VoiceActivity', () => {
  it('starts a turn on speech after silence and line noise, within the start threshold of its onset, and ends it after the stop threshold', async () => {
    const noise = lineNoiseFrames(1)
    const frames = [...silence(25), ...noise, ...speech.slice(firstSound), ...silence(50)]
    const onset = (25 + noise.length) * 20
    const events = await run(frames)
    expect(events[0]).toMatchObject({ kind: 'start' })
    const start = events[0] as Extract<VadEvent, { kind: 'start' }> & { at: number }
    expect(start.onsetMs).toBeGreaterThanOrEqual(onset)
    expect(start.at - onset).toBeLessThanOrEqual(200 + 40) // detected 200 ms into the speech, give or take two frames
    expect(start.at - start.onsetMs).toBeGreaterThanOrEqual(180) // and no sooner: 200 ms of speech
    // Turns alternate, and the speech's end ends the last one.
    expect(events.map((e) => e.kind)).toEqual(events.map((_, i) => (i % 2 ? 'stop' : 'start')))
    expect(events.at(-1)!.kind).toBe('stop')
  })

  it('never starts one on a 150 ms burst, on noise at -40 dBFS, or on silence', async () => {
    const burst = speech.slice(firstSound + 10, firstSound + 10 + 8) // 160 ms of loud speech
    expect(Math.max(...burst.map(dbfs))).toBeGreaterThan(-30)
    const noise = noiseFrames(3, -40)
    const level = 10 * Math.log10(noise.reduce((s, f) => s + 10 ** (dbfs(f) / 10), 0) / noise.length)
    expect(level).toBeGreaterThan(-41)
    expect(level).toBeLessThan(-39)
    expect(await run([...silence(20), ...burst.slice(0, 7), ...silence(50)])).toEqual([])
    expect(await run([...silence(20), ...noise, ...silence(20)])).toEqual([])
    expect(await run(silence(200))).toEqual([])
    // One after the other, as a line carries them: the detector has heard sound before the noise.
    expect(await run([...silence(20), ...burst.slice(0, 7), ...silence(20), ...noise, ...silence(20)])).toEqual([])
  })

  it('takes its thresholds from the settings', async () => {
    const frames = [...silence(25), ...speech.slice(firstSound), ...silence(60)]
    const [start] = await run(frames, { start_ms: 400, stop_ms: 1000 })
    expect(start.at - (start as { onsetMs: number }).onsetMs).toBeGreaterThanOrEqual(380)
  })
})
