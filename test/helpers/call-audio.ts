// What a call should sound like, made by a path that shares nothing with the one under test: the
// Flite engine run directly on each segment (no synthesizer, no worker pool, no cache), and sox
// (not our resampler or G.711 coder) to bring it to 8 kHz μ-law. Our resampler and sox's differ, so
// a call's audio is compared by what a listener would notice: the same length in 20 ms frames,
// and a signal-to-noise ratio against sox's audio above a threshold measured on today's code.
import { execFileSync } from 'node:child_process'
import { expect } from 'vitest'
import { FliteEngine } from '../../src/speech/engines/flite.js'
import { read } from '../../src/speech/read.js'
import { snrDb as snrOver } from '../audio/signals.js'

const FRAME = 160

/**
 * Lowest SNR (dB) of a call's μ-law against sox's 8 kHz conversion of the engine's direct output.
 * Measured on 2026-12-03 at 32.9–36.6 dB over the calls in test/telephony (our resampler and
 * G.711 coder against sox's `rate` and μ-law decoding, Flite's 16 kHz voices); set a few dB below
 * so a better resampler passes, while audio one frame late or out of order (about -3 dB) fails.
 */
export const MIN_SNR_DB = 30

let flite: FliteEngine | null = null

/** The engine's own PCM for `text`, segment by segment as the read step cuts it, and its rate. */
export function enginePcm(text: string, voice: string, speed = 1): { samples: Int16Array; rate: number } {
  flite ??= new FliteEngine()
  const info = flite.voices().find((v) => v.id === voice)
  if (!info) throw new Error(`no Flite voice ${voice}`)
  const parts = read(text, info, speed).map((s) => flite!.synthesizeSync(s.text, { voice, speed }).samples)
  const samples = new Int16Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) samples.set(p, (at += p.length) - p.length)
  return { samples, rate: info.sampleRate }
}

/** sox: PCM16 at `rate` to 8 kHz, as raw μ-law (`ul`) or linear PCM16 (`s16`). */
function soxTo8k({ samples, rate }: { samples: Int16Array; rate: number }, type: 'ul' | 's16'): Buffer {
  return execFileSync('sox', ['-V1', '-t', 's16', '-r', String(rate), '-c', '1', '-', '-r', '8000', '-t', type, '-'], {
    input: Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength),
    maxBuffer: 64 * 1024 * 1024,
  })
}

/** What the caller should hear, as sox makes it: 8 kHz linear PCM, in whole 20 ms frames of zeros at the end. */
export function expectedPcm8k(text: string, voice: string, speed = 1): Int16Array {
  const bytes = soxTo8k(enginePcm(text, voice, speed), 's16')
  const out = new Int16Array(Math.ceil(bytes.length / 2 / FRAME) * FRAME)
  out.set(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2))
  return out
}

/** SNR in dB of `got` against `ref` (linear PCM), over the longer of the two: a length that differs counts as noise. */
export const snrDb = (ref: Int16Array, got: Int16Array): number => snrOver(ref, got, Math.max(ref.length, got.length))

/** sox's decoding of μ-law bytes (not our G.711 table). */
export function decodeWithSox(mulaw: Uint8Array): Int16Array {
  const bytes = execFileSync('sox', ['-V1', '-t', 'ul', '-r', '8000', '-c', '1', '-', '-t', 's16', '-'], { input: mulaw, maxBuffer: 64 * 1024 * 1024 })
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2)
}

/**
 * Asserts that `got` (a call's μ-law, whole frames) is `text` as a listener would hear it: as many
 * 20 ms frames as sox's conversion of the engine's own audio, and close to it sample by sample
 * (so every frame is there, in order). Returns the SNR for a test that reports it.
 */
export function expectSpoken(got: Uint8Array, text: string, voice: string, speed = 1): number {
  const want = expectedPcm8k(text, voice, speed)
  expect(got.length % FRAME).toBe(0)
  expect(got.length / FRAME).toBe(want.length / FRAME)
  const snr = snrDb(want, decodeWithSox(got))
  expect(snr).toBeGreaterThan(MIN_SNR_DB)
  return snr
}
