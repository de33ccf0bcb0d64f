// Segments in, PCM out, one after another. While the consumer plays segment i, segments i+1 … i+k
// are already being synthesized (bounded look-ahead), so after the first segment the listener
// never waits on the engine; the first segment is short (read.ts) and jumps the pool's queue so
// that the first audio leaves early. Live speech (a call) goes ahead of every other request's segments.
import { Channel } from './channel.js'
import { SegmentCache } from './segment-cache.js'
import { concatSamples } from '../audio/samples.js'
import type { VoiceInfo } from './engine.js'
import type { Segment } from './read.js'
import type { Priority, SynthesisPool } from './workers.js'

export interface SpeechChunk {
  /** PCM16 at the voice's sample rate; may be empty on the chunk that closes a segment. */
  samples: Int16Array
  /** Index of the segment this audio belongs to. */
  segment: number
  /** True on the last chunk of its segment. */
  last: boolean
  /** True on the last chunk of the stream (which is also the last of its segment). */
  final: boolean
}

export interface SynthesizerOptions {
  cacheBytes: number
  /** Segments synthesized ahead of the one being consumed. */
  lookahead?: number
}

export interface StreamOptions {
  signal?: AbortSignal
  /** Heard as it is made, as on a call: every segment goes ahead of other requests' work. */
  live?: boolean
}

/** A segment names a voice the engines no longer have (removed by a reload since it was read). */
export class UnknownVoiceError extends Error {}

type SegmentAudio = Iterable<Int16Array> | AsyncIterable<Int16Array>

export class Synthesizer {
  readonly cache: SegmentCache
  private byId: Map<string, VoiceInfo>
  /** Bumped on a reload, so that audio made by a replaced model is not cached after it. */
  private generation = 0

  constructor(
    private readonly pool: SynthesisPool,
    voices: VoiceInfo[],
    private readonly options: SynthesizerOptions,
  ) {
    this.byId = new Map(voices.map((v) => [v.id, v]))
    this.cache = new SegmentCache(options.cacheBytes)
  }

  /**
   * After the engines were reloaded (a Piper voice added, removed or changed on disk). A voice id
   * may now stand for another model, so no audio cached before the reload is served after it.
   * Reloads are rare admin actions; the cache refills from the next requests.
   */
  setVoices(voices: VoiceInfo[]): void {
    this.byId = new Map(voices.map((v) => [v.id, v]))
    this.cache.clear()
    this.generation++
  }

  voices(): VoiceInfo[] {
    return [...this.byId.values()]
  }

  voice(id: string): VoiceInfo | undefined {
    return this.byId.get(id)
  }

  async *stream(parts: readonly Segment[], { signal, live = false }: StreamOptions = {}): AsyncGenerator<SpeechChunk> {
    const gone = parts.find((p) => !this.byId.has(p.voice.id))
    if (gone) throw new UnknownVoiceError(`no voice "${gone.voice.id}"`)
    const lookahead = this.options.lookahead ?? 2
    const priority = (i: number): Priority => (live ? 'live' : i === 0 ? 'high' : 'normal')
    const controller = new AbortController()
    const stop = () => controller.abort()
    signal?.addEventListener('abort', stop, { once: true })
    const jobs: (SegmentAudio | undefined)[] = []
    let finished = false
    try {
      for (let i = 0; i < parts.length; i++) {
        jobs[i] ??= this.job(parts[i], priority(i), controller.signal)
        let started = false
        for await (const samples of jobs[i]!) {
          // Look-ahead starts once this segment has audio, so it never competes with the first
          // segment for a core while the listener is still waiting for the first sound.
          if (!started) {
            started = true
            for (let j = i + 1; j <= Math.min(i + lookahead, parts.length - 1); j++) {
              jobs[j] ??= this.job(parts[j], priority(j), controller.signal)
            }
          }
          yield { samples, segment: i, last: false, final: false }
        }
        jobs[i] = undefined
        yield { samples: new Int16Array(0), segment: i, last: true, final: i === parts.length - 1 }
      }
      finished = true
    } finally {
      signal?.removeEventListener('abort', stop)
      // Frees look-ahead work when the consumer stopped early. Not after a normal end, where
      // nothing is left to stop and building an AbortError costs a stack trace per request.
      if (!finished) controller.abort()
    }
  }

  /** One segment's audio: from the cache, or synthesized in the pool and cached when complete. */
  private job({ text, voice, speed }: Segment, priority: Priority, signal: AbortSignal): SegmentAudio {
    const key = `${voice.id}\u0000${speed}\u0000${text}`
    const hit = this.cache.get(key)
    if (hit) return [hit]
    const channel = new Channel<Int16Array>()
    const pieces: Int16Array[] = []
    const generation = this.generation
    void (async () => {
      try {
        for await (const chunk of this.pool.synthesize({ engine: voice.engine, voice: voice.id, text, speed }, { signal, priority })) {
          if (!(chunk instanceof Int16Array)) continue // the segment's words: not wired through yet
          pieces.push(chunk)
          channel.push(chunk)
        }
        channel.end()
        if (generation === this.generation) this.cache.set(key, concatSamples(pieces))
      } catch (err) {
        channel.fail(err)
      }
    })()
    return channel
  }
}
