// One streaming encoder for every output format: resample to the requested rate, then encode.
// The REST sink, the command line and (at 8 kHz μ-law) the call sink all write through this,
// with encodeChunks as their one loop.
import { createResampler } from './resample.js'
import { encodeAlaw, encodeMulaw } from './g711.js'
import { isMp3Rate, openMp3 } from './mp3.js'
import { wavHeader } from './wav.js'

export const AUDIO_FORMATS = ['wav', 'pcm16', 'mulaw', 'alaw', 'mp3'] as const
export type AudioFormat = (typeof AUDIO_FORMATS)[number]

export const SAMPLE_RATES = [8000, 16000, 22050, 24000, 44100, 48000] as const
export const isSampleRate = (value: number): value is (typeof SAMPLE_RATES)[number] => (SAMPLE_RATES as readonly number[]).includes(value)

/** Default output rate: the voice's own, except G.711, which is telephone audio at 8 kHz, and MP3
 *  for a voice whose rate MPEG audio does not have (a Piper model may have any). */
export function defaultRate(format: AudioFormat, voiceRate: number): number {
  if (format === 'mulaw' || format === 'alaw') return 8000
  if (format === 'mp3' && !isMp3Rate(voiceRate)) return 24000
  return voiceRate
}

export const isAudioFormat = (value: unknown): value is AudioFormat => AUDIO_FORMATS.includes(value as AudioFormat)

export function contentType(format: AudioFormat, rate: number): string {
  switch (format) {
    case 'wav':
      return 'audio/wav'
    case 'pcm16':
      return `audio/L16;rate=${rate};channels=1`
    case 'mulaw':
      return rate === 8000 ? 'audio/basic' : `audio/PCMU;rate=${rate}`
    case 'alaw':
      return `audio/x-alaw-basic;rate=${rate}`
    case 'mp3':
      return 'audio/mpeg'
  }
}

export interface Encoder {
  /** Bytes that go before any audio: a WAV header of unknown length, or nothing for raw formats. */
  header(): Uint8Array
  push(samples: Int16Array): Promise<Uint8Array>
  /** The resampler's tail, encoded, and the encoder's own. */
  end(): Promise<Uint8Array>
  /** Gives the stream up before its end (its listener is gone), freeing what it holds. */
  close(): void
}

/** Little-endian PCM16 bytes (the byte order of WAV and of every platform Node runs on). */
const pcmBytes = (samples: Int16Array) => new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)

/** Async because MP3 is encoded in a thread of its own; the other formats are encoded at once. */
export async function createEncoder(format: AudioFormat, { inputRate, outputRate }: { inputRate: number; outputRate: number }): Promise<Encoder> {
  const resampler = createResampler(inputRate, outputRate)
  if (format === 'mp3') {
    const mp3 = await openMp3(outputRate)
    return {
      header: () => new Uint8Array(0),
      push: (samples) => mp3.push(resampler.push(samples)),
      end: async () => Buffer.concat(await Promise.all([mp3.push(resampler.flush()), mp3.end()])),
      close: () => mp3.close(),
    }
  }
  const encode = format === 'mulaw' ? encodeMulaw : format === 'alaw' ? encodeAlaw : pcmBytes
  const header = format === 'wav' ? wavHeader({ sampleRate: outputRate, format: 'pcm16' }) : new Uint8Array(0)
  return {
    header: () => header,
    push: async (samples) => encode(resampler.push(samples)),
    end: async () => encode(resampler.flush()),
    close: () => {},
  }
}

export interface EncodeOptions<C> {
  /** At most this many samples are encoded at a time, so a whole sentence handed over at once does
   *  not become one large buffer ahead of a consumer that paces itself (a call). */
  slice?: number
  /** Runs once a chunk's bytes have been taken; `false` ends the input there (the tail still comes). */
  after?(chunk: C): boolean | void
}

/**
 * The one loop from audio chunks to bytes, for every sink (HTTP reply, call, file): the format's
 * header, each chunk's bytes as soon as it arrives, then the resampler's and encoder's tail.
 * Empty pieces are not yielded. The encoder is the caller's to close if it stops early.
 */
export async function* encodeChunks<C extends { samples: Int16Array }>(
  chunks: AsyncIterable<C>,
  encoder: Encoder,
  { slice = Infinity, after }: EncodeOptions<C> = {},
): AsyncGenerator<Uint8Array> {
  const header = encoder.header()
  if (header.length) yield header
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.samples.length; at += slice) {
      const bytes = await encoder.push(chunk.samples.subarray(at, at + slice))
      if (bytes.length) yield bytes
    }
    if (after?.(chunk) === false) break
  }
  const tail = await encoder.end()
  if (tail.length) yield tail
}
