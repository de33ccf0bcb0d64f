// What a call should have sounded like: the same text through the synthesizer and the same encoder
// path (resample to 8 kHz, μ-law, padded to whole 20 ms frames), to compare with what a call got.
import type { Synthesizer } from '../../src/speech/synthesizer.js'
import { createEncoder } from '../../src/audio/encoder.js'
import { decodeMulaw, MULAW_SILENCE } from '../../src/audio/g711.js'
import { read } from '../../src/speech/read.js'

/** The text through the synthesizer and the encoder a call uses, at 8 kHz. */
async function encodedAt8k(synth: Synthesizer, text: string, voice: string, format: 'mulaw' | 'pcm16'): Promise<Buffer> {
  const encoder = await createEncoder(format, { inputRate: synth.voice(voice)!.sampleRate, outputRate: 8000 })
  const parts: Uint8Array[] = []
  for await (const { samples } of synth.stream(read(text, synth.voice(voice)!, 1))) if (samples.length) parts.push(await encoder.push(samples))
  parts.push(await encoder.end())
  return Buffer.concat(parts)
}

export async function expectedMulaw(synth: Synthesizer, text: string, voice: string): Promise<Buffer> {
  const bytes = await encodedAt8k(synth, text, voice, 'mulaw')
  const padded = Buffer.alloc(Math.ceil(bytes.length / 160) * 160, MULAW_SILENCE)
  bytes.copy(padded)
  return padded
}

/** The same text as linear PCM16 at 8 kHz (resampled, not μ-law coded), frame-padded with zeros. */
export async function expectedPcm8k(synth: Synthesizer, text: string, voice: string): Promise<Int16Array> {
  const bytes = await encodedAt8k(synth, text, voice, 'pcm16')
  const out = new Int16Array(Math.ceil(bytes.length / 2 / 160) * 160)
  out.set(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2))
  return out
}

/** SNR in dB of decoded μ-law `got` against linear PCM `ref`. */
export function snrAgainstPcm(ref: Int16Array, got: Uint8Array): number {
  const y = decodeMulaw(got)
  let signal = 0
  let noise = 0
  for (let i = 0; i < ref.length; i++) {
    signal += ref[i] * ref[i]
    noise += (ref[i] - (y[i] ?? 0)) ** 2
  }
  return 10 * Math.log10(signal / noise)
}

/** Signal-to-noise ratio in dB of `got` against `ref`, both μ-law decoded (Infinity when identical). */
export function snrDb(ref: Uint8Array, got: Uint8Array): number {
  const a = decodeMulaw(ref)
  const b = decodeMulaw(got)
  const n = Math.max(a.length, b.length)
  let signal = 0
  let noise = 0
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0
    const y = b[i] ?? 0
    signal += x * x
    noise += (x - y) * (x - y)
  }
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise)
}
