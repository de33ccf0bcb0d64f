// A caller's side of the line as real telephone audio: speech (a Flite voice, run directly), or
// quiet line noise, brought to 8 kHz μ-law by sox, cut into 20 ms frames as Twilio sends them.
import { execFileSync } from 'node:child_process'
import { FliteEngine } from '../../src/speech/engines/flite.js'
import { noise } from '../audio/signals.js'

const FRAME = 160

const frames = (bytes: Buffer): Buffer<ArrayBuffer>[] => {
  const out: Buffer<ArrayBuffer>[] = []
  for (let at = 0; at + FRAME <= bytes.length; at += FRAME) out.push(Buffer.from(bytes.subarray(at, at + FRAME)))
  return out
}

/** A caller saying `text` (with the short pauses between words), in a man's voice unlike the service's. */
export function spokenFrames(text: string): Buffer<ArrayBuffer>[] {
  const flite = new FliteEngine()
  try {
    const voice = flite.voices().find((v) => v.id === 'awb')!
    const pcm = flite.synthesizeSync(text, { voice: voice.id, speed: 1 }).samples
    const input = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)
    return frames(execFileSync('sox', ['-V1', '-t', 's16', '-r', String(voice.sampleRate), '-c', '1', '-', '-r', '8000', '-t', 'ul', '-'], { input }))
  } finally {
    flite.close()
  }
}

/** White noise at about -66 dBFS: a quiet telephone line with nobody speaking. */
export function lineNoiseFrames(seconds: number): Buffer<ArrayBuffer>[] {
  return frames(execFileSync('sox', ['-V1', '-n', '-r', '8000', '-c', '1', '-t', 'ul', '-', 'synth', String(seconds), 'whitenoise', 'vol', '0.0005']))
}

/** White noise whose RMS is `dbfs` (uniform samples: the peak is √3 times the RMS), as μ-law by sox. */
export function noiseFrames(seconds: number, dbfs: number, seed = 1): Buffer<ArrayBuffer>[] {
  const pcm = noise(seconds * 8000, seed, Math.sqrt(3) * 32768 * 10 ** (dbfs / 20))
  return frames(execFileSync('sox', ['-V1', '-t', 's16', '-r', '8000', '-c', '1', '-', '-t', 'ul', '-'], { input: Buffer.from(pcm.buffer) }))
}
