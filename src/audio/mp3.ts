// MP3 through LAME compiled to WebAssembly (npm wasm-media-encoders). A LAME instance reserves
// 16 MB of wasm memory (about 0.8 MB of it resident) and takes milliseconds to start, so an encoder
// whose stream ended is kept and reconfigured for the next stream rather than thrown away: under
// load the instances stay about as many as the MP3 responses in flight.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createEncoder, type WasmMediaEncoder } from 'wasm-media-encoders'

type Lame = WasmMediaEncoder<'audio/mpeg'>

/** The rates MPEG audio (1, 2 and 2.5) defines. */
export const MP3_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] as const

/** Idle encoders kept beyond this many are left to the garbage collector. */
const MAX_IDLE = 16
const idle: Lame[] = []
let lameModule: WebAssembly.Module | undefined

/** Constant bitrate for mono speech at a rate (kbps): clear speech, and sizes a client can predict. */
function bitrate(rate: number): 24 | 32 | 48 | 64 {
  return rate <= 12000 ? 24 : rate <= 16000 ? 32 : rate <= 24000 ? 48 : 64
}

async function lame(): Promise<Lame> {
  const kept = idle.pop()
  if (kept) return kept
  // The package's own loader decodes a base64 copy of the module on every call; the .wasm file
  // beside it is compiled once instead.
  lameModule ??= new WebAssembly.Module(readFileSync(createRequire(import.meta.url).resolve('wasm-media-encoders/wasm/mp3')))
  return createEncoder('audio/mpeg', lameModule)
}

export interface Mp3Stream {
  /** MPEG frames for the samples so far (LAME holds back up to a frame and its look-ahead). */
  push(samples: Int16Array): Uint8Array
  /** The last frames; the encoder goes back to the pool. */
  end(): Uint8Array
}

/** A mono MP3 stream at `rate`, which must be one of MP3_RATES. */
export async function openMp3(rate: number): Promise<Mp3Stream> {
  if (!(MP3_RATES as readonly number[]).includes(rate)) throw new RangeError(`MP3 has no ${rate} Hz rate`)
  const encoder = await lame()
  encoder.configure({ channels: 1, sampleRate: rate, outputSampleRate: rate as (typeof MP3_RATES)[number], bitrate: bitrate(rate) })
  let ended = false
  return {
    push(samples) {
      if (ended) throw new Error('the MP3 stream has ended')
      const floats = new Float32Array(samples.length)
      for (let i = 0; i < samples.length; i++) floats[i] = samples[i] / 32768
      // The encoder's output lives in its own memory and is overwritten by the next call.
      return encoder.encode([floats]).slice()
    },
    end() {
      if (ended) return new Uint8Array(0)
      ended = true
      const tail = encoder.finalize().slice()
      if (idle.length < MAX_IDLE) idle.push(encoder)
      return tail
    },
  }
}
