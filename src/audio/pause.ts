// Audio made without an engine: the silence of an SSML break and the bleep over an expletive.

/** A bleep's pitch (the broadcast censor's 1 kHz) and level (-12 dBFS: loud, not clipped on a call). */
const BLEEP_HZ = 1000
const BLEEP_LEVEL = 0.25
/** Faded in and out over 5 ms, so the bleep starts and stops without a click. */
const FADE_MS = 5

/** `ms` of silence, or of a bleep, at `rate`. */
export function pauseAudio(ms: number, rate: number, bleep = false): Int16Array {
  const n = Math.round((ms * rate) / 1000)
  const out = new Int16Array(n)
  if (!bleep) return out
  const fade = Math.min(n / 2, (FADE_MS * rate) / 1000)
  for (let i = 0; i < n; i++) {
    const edge = Math.min(1, i / fade, (n - 1 - i) / fade)
    out[i] = Math.round(32767 * BLEEP_LEVEL * edge * Math.sin((2 * Math.PI * BLEEP_HZ * i) / rate))
  }
  return out
}
