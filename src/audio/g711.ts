// G.711 μ-law and A-law. The codec is alawmulaw's; its per-sample functions run once to fill
// lookup tables, so encoding a call's audio is one table load per sample.
import * as codec from 'alawmulaw'

// alawmulaw ships a UMD bundle: Node's ESM loader exposes it only as the default export, while a
// CommonJS transpile (tsx outside a "type": "module" package) exposes the named ones.
const alawmulaw = (codec as unknown as { default?: typeof codec }).default ?? codec

/** The byte a μ-law stream uses for silence (decodes to 0). */
export const MULAW_SILENCE = 0xff
/** The byte an A-law stream uses for silence (decodes to ±8, the smallest step). */
export const ALAW_SILENCE = 0xd5

function encodeTable(encodeSample: (s: number) => number): Uint8Array {
  // Indexed by the sample's 16-bit two's-complement pattern (sample & 0xffff).
  const t = new Uint8Array(65536)
  for (let i = 0; i < 65536; i++) t[i] = encodeSample((i << 16) >> 16) & 0xff
  return t
}

function decodeTable(decodeSample: (b: number) => number): Int16Array {
  const t = new Int16Array(256)
  for (let i = 0; i < 256; i++) t[i] = decodeSample(i)
  return t
}

const MULAW_ENC = encodeTable(alawmulaw.mulaw.encodeSample)
const MULAW_DEC = decodeTable(alawmulaw.mulaw.decodeSample)
const ALAW_ENC = encodeTable(alawmulaw.alaw.encodeSample)
const ALAW_DEC = decodeTable(alawmulaw.alaw.decodeSample)

function encode(table: Uint8Array, pcm: Int16Array, out: Uint8Array): Uint8Array {
  if (out.length < pcm.length) throw new RangeError('output buffer is shorter than the input')
  for (let i = 0; i < pcm.length; i++) out[i] = table[pcm[i] & 0xffff]
  return out
}

function decode(table: Int16Array, bytes: Uint8Array, out: Int16Array): Int16Array {
  if (out.length < bytes.length) throw new RangeError('output buffer is shorter than the input')
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]]
  return out
}

/** PCM16 → μ-law, one byte per sample. Pass `out` to reuse a buffer. */
export function encodeMulaw(pcm: Int16Array, out = new Uint8Array(pcm.length)): Uint8Array {
  return encode(MULAW_ENC, pcm, out)
}

/** μ-law → PCM16. Pass `out` to reuse a buffer. */
export function decodeMulaw(bytes: Uint8Array, out = new Int16Array(bytes.length)): Int16Array {
  return decode(MULAW_DEC, bytes, out)
}

/** PCM16 → A-law, one byte per sample. Pass `out` to reuse a buffer. */
export function encodeAlaw(pcm: Int16Array, out = new Uint8Array(pcm.length)): Uint8Array {
  return encode(ALAW_ENC, pcm, out)
}

/** A-law → PCM16. Pass `out` to reuse a buffer. */
export function decodeAlaw(bytes: Uint8Array, out = new Int16Array(bytes.length)): Int16Array {
  return decode(ALAW_DEC, bytes, out)
}

export function mulawEncodeSample(sample: number): number {
  return MULAW_ENC[sample & 0xffff]
}

export function mulawDecodeSample(byte: number): number {
  return MULAW_DEC[byte & 0xff]
}

export function alawEncodeSample(sample: number): number {
  return ALAW_ENC[sample & 0xffff]
}

export function alawDecodeSample(byte: number): number {
  return ALAW_DEC[byte & 0xff]
}
