// WAV (RIFF) headers for PCM16, μ-law and A-law, and a parser for what we and the engines write.
import { decodeAlaw, decodeMulaw } from './g711.js'

export type WavFormat = 'pcm16' | 'mulaw' | 'alaw'

/** Size written when the length is not known yet (a stream): what ffmpeg and sox's pipes do, and
 *  what readers take as "until the end of the file". */
export const UNKNOWN_SIZE = 0xffffffff

const FORMAT_TAG: Record<WavFormat, number> = { pcm16: 1, alaw: 6, mulaw: 7 }
const EXTENSIBLE = 0xfffe

export interface WavHeaderOptions {
  sampleRate: number
  channels?: number
  format: WavFormat
  /** Bytes of audio that will follow; leave out when streaming. */
  dataBytes?: number
}

/** Header length for a format: 44 bytes for PCM; 58 for G.711, which as a non-PCM format carries
 *  an 18-byte fmt chunk and a fact chunk (the sample count), as the WAVE spec asks. */
export function wavHeaderLength(format: WavFormat): number {
  return format === 'pcm16' ? 44 : 58
}

export function wavHeader({ sampleRate, channels = 1, format, dataBytes }: WavHeaderOptions): Uint8Array {
  if (!(format in FORMAT_TAG)) throw new RangeError(`unsupported WAV format: ${format}`)
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`bad sample rate: ${sampleRate}`)
  if (!Number.isInteger(channels) || channels < 1 || channels > 8) throw new RangeError(`bad channel count: ${channels}`)
  const length = wavHeaderLength(format)
  const streaming = dataBytes === undefined
  if (!streaming && (!Number.isInteger(dataBytes) || dataBytes < 0 || dataBytes + length - 8 + (dataBytes & 1) > 0xfffffffe)) {
    throw new RangeError(`dataBytes does not fit a WAV file: ${dataBytes}`)
  }
  const bytesPerSample = format === 'pcm16' ? 2 : 1
  const header = new Uint8Array(length)
  const v = new DataView(header.buffer)
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) header[at + i] = s.charCodeAt(i)
  }
  ascii(0, 'RIFF')
  // The RIFF size counts the pad byte an odd-length data chunk is followed by.
  v.setUint32(4, streaming ? UNKNOWN_SIZE : length - 8 + dataBytes + (dataBytes & 1), true)
  ascii(8, 'WAVE')
  ascii(12, 'fmt ')
  v.setUint32(16, format === 'pcm16' ? 16 : 18, true)
  v.setUint16(20, FORMAT_TAG[format], true)
  v.setUint16(22, channels, true)
  v.setUint32(24, sampleRate, true)
  v.setUint32(28, sampleRate * channels * bytesPerSample, true)
  v.setUint16(32, channels * bytesPerSample, true)
  v.setUint16(34, bytesPerSample * 8, true)
  let at = 36
  if (format !== 'pcm16') {
    v.setUint16(36, 0, true) // cbSize: no extra format bytes
    ascii(38, 'fact')
    v.setUint32(42, 4, true)
    v.setUint32(46, streaming ? UNKNOWN_SIZE : Math.floor(dataBytes / channels), true)
    at = 50
  }
  ascii(at, 'data')
  v.setUint32(at + 4, streaming ? UNKNOWN_SIZE : dataBytes, true)
  return header
}

export interface ParsedWav {
  sampleRate: number
  channels: number
  format: WavFormat
  /** Decoded to PCM16 whatever the format (interleaved when channels > 1). */
  samples: Int16Array
  /** The data chunk's bytes as stored. */
  data: Uint8Array
}

const fourcc = (b: Uint8Array, at: number) => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3])

/** Reads a PCM16, μ-law or A-law WAV. A data size of 0xFFFFFFFF (or 0 in a file whose RIFF size
 *  is unknown too), or one past the end of a truncated file, means "the rest of the buffer". */
export function parseWav(buf: Uint8Array): ParsedWav {
  if (buf.length < 12 || fourcc(buf, 0) !== 'RIFF' || fourcc(buf, 8) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file')
  }
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  let fmt: { tag: number; channels: number; sampleRate: number; bits: number } | undefined
  // Streaming writers leave the sizes at 0xFFFFFFFF, some at 0.
  const riffSize = v.getUint32(4, true)
  const lengthUnknown = riffSize === 0 || riffSize === UNKNOWN_SIZE
  let at = 12
  while (at + 8 <= buf.length) {
    const id = fourcc(buf, at)
    const size = v.getUint32(at + 4, true)
    const body = at + 8
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new Error('WAV fmt chunk is truncated')
      let tag = v.getUint16(body, true)
      // WAVE_FORMAT_EXTENSIBLE keeps the real format in the first two bytes of its sub-format GUID.
      if (tag === EXTENSIBLE && size >= 40 && body + 26 <= buf.length) tag = v.getUint16(body + 24, true)
      fmt = { tag, channels: v.getUint16(body + 2, true), sampleRate: v.getUint32(body + 4, true), bits: v.getUint16(body + 14, true) }
    } else if (id === 'data') {
      if (!fmt) throw new Error('WAV data chunk comes before its fmt chunk')
      const toEnd = size === UNKNOWN_SIZE || (size === 0 && lengthUnknown) || body + size > buf.length
      const end = toEnd ? buf.length : body + size
      return decodeData(fmt, buf.subarray(body, end))
    }
    at = body + size + (size & 1)
  }
  throw new Error(fmt ? 'WAV file has no data chunk' : 'WAV file has no fmt chunk')
}

function decodeData(fmt: { tag: number; channels: number; sampleRate: number; bits: number }, data: Uint8Array): ParsedWav {
  const { tag, channels, sampleRate, bits } = fmt
  if (channels < 1 || sampleRate < 1) throw new Error(`WAV header is invalid: ${channels} channels at ${sampleRate} Hz`)
  const base = { sampleRate, channels, data }
  if (tag === FORMAT_TAG.pcm16 && bits === 16) {
    // Copy: the bytes may sit at an odd offset, where an Int16Array view cannot start.
    const samples = new Int16Array(data.length >> 1)
    const dv = new DataView(data.buffer, data.byteOffset, samples.length * 2)
    for (let i = 0; i < samples.length; i++) samples[i] = dv.getInt16(2 * i, true)
    return { ...base, format: 'pcm16', samples }
  }
  if (tag === FORMAT_TAG.mulaw && bits === 8) return { ...base, format: 'mulaw', samples: decodeMulaw(data) }
  if (tag === FORMAT_TAG.alaw && bits === 8) return { ...base, format: 'alaw', samples: decodeAlaw(data) }
  throw new Error(`unsupported WAV encoding: format tag ${tag}, ${bits} bits (PCM16, μ-law and A-law are read)`)
}
