// Audio an agent asks a call to play (`play` {source}): fetched over http(s) with a size and time
// cap, decoded to PCM16 (WAV in PCM16, μ-law or A-law; MP3; raw μ-law at 8 kHz), and kept in a
// small cache shared by every call of the instance, since apps play the same hold music and
// chimes again and again.
import { MPEGDecoder } from 'mpg123-decoder'
import { decodeMulaw } from '../../audio/g711.js'
import { parseWav } from '../../audio/wav.js'

export interface Clip {
  samples: Int16Array
  rate: number
}

const MAX_BYTES = 8 * 1024 * 1024
const FETCH_MS = 10_000
const CACHE_BYTES = 64 * 1024 * 1024

/** Mono PCM16 from a WAV: the first channel. */
function fromWav(bytes: Uint8Array): Clip {
  const wav = parseWav(bytes)
  const samples = wav.channels === 1 ? wav.samples : wav.samples.filter((_, i) => i % wav.channels === 0)
  return { samples, rate: wav.sampleRate }
}

async function fromMp3(bytes: Uint8Array): Promise<Clip> {
  const decoder = new MPEGDecoder()
  await decoder.ready
  try {
    const { channelData, sampleRate, samplesDecoded } = decoder.decode(bytes)
    if (!samplesDecoded) throw new Error('no MP3 frames in it')
    const samples = Int16Array.from(channelData[0], (x) => Math.max(-32768, Math.min(32767, Math.round(x * 32768))))
    return { samples, rate: sampleRate }
  } finally {
    decoder.free()
  }
}

function decode(bytes: Uint8Array, type: string, url: string): Promise<Clip> | Clip {
  const head = String.fromCharCode(...bytes.subarray(0, 4))
  if (head === 'RIFF') return fromWav(bytes)
  if (head.startsWith('ID3') || (bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0) || /mpeg|mp3/.test(type)) return fromMp3(bytes)
  if (/audio\/(basic|x-mulaw|pcmu)/i.test(type) || /\.(ulaw|mulaw|ul|au)$/i.test(new URL(url).pathname)) return { samples: decodeMulaw(bytes), rate: 8000 }
  throw new Error('not a WAV, MP3 or μ-law file')
}

export class ClipCache {
  /** Least recently used first; `bytes` is 0 until the clip has arrived. */
  private readonly clips = new Map<string, { clip: Promise<Clip>; bytes: number }>()
  private bytes = 0

  /** The clip at `url`, from the cache or fetched now; rejects with a reason the app can be told. */
  get(url: string): Promise<Clip> {
    const hit = this.clips.get(url)
    if (hit) {
      this.clips.delete(url)
      this.clips.set(url, hit)
      return hit.clip
    }
    const entry = { clip: this.fetch(url), bytes: 0 }
    this.clips.set(url, entry)
    entry.clip.then((c) => {
      entry.bytes = c.samples.byteLength
      this.bytes += entry.bytes
      this.evict()
    }, () => this.clips.delete(url))
    return entry.clip
  }

  private evict(): void {
    for (const [url, entry] of this.clips) {
      if (this.bytes <= CACHE_BYTES) return
      if (entry.bytes === 0) continue
      this.clips.delete(url)
      this.bytes -= entry.bytes
    }
  }

  private async fetch(url: string): Promise<Clip> {
    const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_MS), redirect: 'follow' })
    if (!res.ok || !res.body) throw new Error(`fetching it answered ${res.status}`)
    if (Number(res.headers.get('content-length') ?? 0) > MAX_BYTES) throw new Error(`it is over ${MAX_BYTES} bytes`)
    const parts: Uint8Array[] = []
    let size = 0
    for await (const part of res.body) {
      size += part.length
      if (size > MAX_BYTES) throw new Error(`it is over ${MAX_BYTES} bytes`)
      parts.push(part)
    }
    return decode(Buffer.concat(parts), res.headers.get('content-type') ?? '', url)
  }
}
