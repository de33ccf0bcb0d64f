// A caller's side of the line as real telephone audio: what eSpeak NG says, or quiet line noise,
// brought to 8 kHz μ-law by sox, cut into 20 ms frames as Twilio sends them.
import { execFileSync } from 'node:child_process'

const FRAME = 160

const frames = (bytes: Buffer): Buffer<ArrayBuffer>[] => {
  const out: Buffer<ArrayBuffer>[] = []
  for (let at = 0; at + FRAME <= bytes.length; at += FRAME) out.push(Buffer.from(bytes.subarray(at, at + FRAME)))
  return out
}

/** A caller saying `text` (with the short pauses between words). */
export function spokenFrames(text: string): Buffer<ArrayBuffer>[] {
  const wav = execFileSync('espeak-ng', ['--stdout', text])
  return frames(execFileSync('sox', ['-V1', '-t', 'wav', '-', '-r', '8000', '-c', '1', '-t', 'ul', '-'], { input: wav }))
}

/** White noise at about -66 dBFS: a quiet telephone line with nobody speaking. */
export function lineNoiseFrames(seconds: number): Buffer<ArrayBuffer>[] {
  return frames(execFileSync('sox', ['-V1', '-n', '-r', '8000', '-c', '1', '-t', 'ul', '-', 'synth', String(seconds), 'whitenoise', 'vol', '0.0005']))
}
