// Loudness changes asked for in the text (SSML prosody volume, emphasis), applied to the PCM an
// engine made, since no engine here takes a volume per segment that all the others would match.

/** `samples` scaled by `db` (clipped to PCM16); -Infinity gives silence. A new array unless 0 dB. */
export function applyGain(samples: Int16Array, db: number): Int16Array {
  if (db === 0) return samples
  const factor = db === -Infinity ? 0 : 10 ** (db / 20)
  const out = new Int16Array(samples.length)
  for (let i = 0; i < samples.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i] * factor)))
  return out
}
