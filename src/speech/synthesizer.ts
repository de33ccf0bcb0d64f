// Segments in, PCM and word timings out, one segment after another. While the consumer plays
// segment i, segments i+1 … i+k are already being synthesized (bounded look-ahead), so after the
// first segment the listener never waits on the engine; the first segment is short (read.ts) and
// jumps the pool's queue so that the first audio leaves early. Live speech (a call, a /v1/speak
// socket) gives each segment a deadline: when the audio its consumer holds runs out, as it plays in
// real time from its first chunk; the pool serves live segments by deadline, ahead of every other
// request's segments (schedule.ts). Segments may also arrive while the stream
// runs (a SegmentFeed, for text an LLM is still writing): each starts as soon as it arrives.
import { Channel } from './channel.js'
import { SegmentCache, type SegmentAudio } from './segment-cache.js'
import { SegmentFeed } from './segment-feed.js'
import { concatSamples } from '../audio/samples.js'
import { createResampler } from '../audio/resample.js'
import { applyGain } from '../audio/gain.js'
import { pauseAudio } from '../audio/pause.js'
import type { SegmentWords, VoiceInfo, WordTiming } from './engine.js'
import type { Segment } from './read.js'
import type { Priority, SynthesisPool } from './workers.js'
import { Lexicon } from './lexicon.js'
import { AUDIO_MS_PER_CHAR } from './costs.js'

/** A word as it was spoken: its text, its place in the audio and in the input it was read from. */
export interface SpokenWord {
  word: string
  /** Samples at the voice's rate from the start of its segment's audio; `end` exclusive. */
  start: number
  end: number
  /** The characters of the input it was read from. */
  from: number
  to: number
}

export interface SpeechChunk {
  /** PCM16 at the voice's sample rate; may be empty on the chunk that closes a segment. */
  samples: Int16Array
  /** Index of the segment this audio belongs to. */
  segment: number
  /** True on the last chunk of its segment. */
  last: boolean
  /** True on the last chunk of the stream (a last chunk too, sometimes an extra, empty one). */
  final: boolean
  /** On a segment's last chunk: its words, in the order spoken. */
  words?: SpokenWord[]
  /** On the last chunk of a mark's segment (it has no audio): the SSML mark reached here. */
  mark?: string
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
  /** Each segment's last chunk carries its words' timings (they cost Flite a second, cheap run). */
  words?: boolean
  /**
   * Every segment's audio at this rate (SSML can give a few words to a voice of another language
   * and rate); default: each segment at its own voice's rate.
   */
  rate?: number
}

/** A segment names a voice the engines no longer have (removed by a reload since it was read). */
export class UnknownVoiceError extends Error {}

type Job = Iterable<Int16Array | SegmentWords> | AsyncIterable<Int16Array | SegmentWords>

const isWords = (item: Int16Array | SegmentWords): item is SegmentWords => !(item instanceof Int16Array)

/** The engine's timings named by the segment's words and laid over the input they came from. */
export function spokenWords(segment: Segment, timings: WordTiming[]): SpokenWord[] {
  const starts: number[] = []
  for (let at = 0, i = 0; i < segment.spans.length; i++) {
    starts.push(at)
    at = segment.text.indexOf(' ', at) + 1
  }
  return timings.map((t) => {
    let index = starts.length - 1
    while (index > 0 && starts[index] > t.from) index--
    const span = segment.spans[index] ?? { from: 0, to: 0 }
    return { word: segment.text.slice(t.from, t.to), start: t.start, end: t.end, from: span.from, to: span.to }
  })
}

/** Word times moved to another sample rate. */
const rescale = (words: WordTiming[], ratio: number): WordTiming[] => words.map((w) => ({ ...w, start: Math.round(w.start * ratio), end: Math.round(w.end * ratio) }))

export class Synthesizer {
  readonly cache: SegmentCache
  /**
   * This instance's pronunciation lexicon. Reading happens before synthesis, but every front door
   * that reads holds the synthesizer, and like the voices the lexicon changes while it runs.
   */
  readonly lexicon = new Lexicon()
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

  async *stream(source: readonly Segment[] | SegmentFeed, { signal, live = false, words: timed = false, rate }: StreamOptions = {}): AsyncGenerator<SpeechChunk> {
    const feed = source instanceof SegmentFeed ? source : SegmentFeed.of(source)
    const lookahead = this.options.lookahead ?? 2
    const priority = (i: number): Priority => (live ? 'live' : i === 0 ? 'high' : 'normal')
    const controller = new AbortController()
    const stop = () => controller.abort()
    signal?.addEventListener('abort', stop, { once: true })
    const jobs: (Job | undefined)[] = []
    // Look-ahead starts once segment `playing` has audio, so it never competes with the first
    // segment for a core while the listener is still waiting for the first sound.
    let playing = -1
    // Live: when the audio handed to the consumer runs out (it plays from its first chunk, in real
    // time), and how much of segment `playing` it has had. Segment j is due when the audio before
    // it runs out; audio not made yet is reckoned from its text.
    const began = performance.now()
    let runsOut = 0
    let playingMs = 0
    const expectedMs = (k: number) => {
      const part = feed.peek(k)
      return !part ? 0 : part.pause ? part.pause.ms : (part.text.length * AUDIO_MS_PER_CHAR) / part.speed
    }
    const due = (j: number) => () => {
      let at = playing < 0 ? began : Math.max(runsOut, began) + Math.max(0, expectedMs(playing) - playingMs)
      for (let k = playing + 1; k < j; k++) at += expectedMs(k)
      return at
    }
    const start = (j: number) => {
      const part = feed.peek(j)
      if (part && !jobs[j]) jobs[j] = part.pause ? [pauseAudio(part.pause.ms, part.voice.sampleRate, part.pause.bleep)] : this.job(part, priority(j), timed, controller.signal, live ? due(j) : undefined)
    }
    const ahead = () => {
      for (let j = playing + 1; j <= playing + lookahead; j++) start(j)
    }
    feed.onPush(() => playing >= 0 && ahead())
    let finished = false
    try {
      // A segment already there is taken at once (no await): its synthesis starts in the same tick.
      let i = 0
      for (let part = feed.peek(0) ?? (await feed.at(0)); part; part = feed.peek(++i) ?? (await feed.at(i))) {
        if (!this.byId.has(part.voice.id)) throw new UnknownVoiceError(`no voice "${part.voice.id}"`)
        start(i)
        let words: WordTiming[] = []
        const from = part.voice.sampleRate
        const resampler = rate && rate !== from ? createResampler(from, rate) : undefined
        const level = (samples: Int16Array) => applyGain(samples, part.gain ?? 0)
        for await (const item of jobs[i]!) {
          if (isWords(item)) {
            words = item.words
            continue
          }
          if (playing < i) {
            playing = i
            playingMs = 0
            ahead()
          }
          const ms = (item.length / from) * 1000
          playingMs += ms
          runsOut = Math.max(runsOut, performance.now()) + ms
          yield { samples: level(resampler ? resampler.push(item) : item), segment: i, last: false, final: false }
        }
        jobs[i] = undefined
        if (playing < i) [playing, playingMs] = [i, 0]
        const known = feed.done && i === feed.length - 1
        const spoken = timed ? spokenWords(part, resampler ? rescale(words, rate! / from) : words) : undefined
        yield { samples: level(resampler?.flush() ?? new Int16Array(0)), segment: i, last: true, final: known, words: spoken, mark: part.pause?.mark }
        if (!known && (await feed.at(i + 1)) === undefined) yield { samples: new Int16Array(0), segment: i, last: true, final: true }
      }
      finished = true
    } finally {
      feed.onPush(null)
      signal?.removeEventListener('abort', stop)
      // Frees look-ahead work when the consumer stopped early. Not after a normal end, where
      // nothing is left to stop and building an AbortError costs a stack trace per request.
      if (!finished) controller.abort()
    }
  }

  /**
   * One segment's audio (and words, when asked): from the cache, or synthesized in the pool and
   * cached when complete. An entry made without words does not serve a request for them; the
   * entry made with them then serves both.
   */
  private job({ text, voice, speed, pitch = 0 }: Segment, priority: Priority, words: boolean, signal: AbortSignal, due?: () => number): Job {
    const key = `${voice.id}\u0000${speed}\u0000${pitch}\u0000${text}`
    const hit = this.cache.get(key, words)
    if (hit) return [hit.samples, { words: hit.words ?? [] }]
    const channel = new Channel<Int16Array | SegmentWords>()
    const made: SegmentAudio = { samples: new Int16Array(0), words: words ? [] : null }
    const pieces: Int16Array[] = []
    const generation = this.generation
    void (async () => {
      try {
        for await (const item of this.pool.synthesize({ engine: voice.engine, voice: voice.id, text, speed, pitch, words }, { signal, priority, due })) {
          if (isWords(item)) made.words = item.words
          else pieces.push(item)
          channel.push(item)
        }
        channel.end()
        made.samples = concatSamples(pieces)
        if (generation === this.generation) this.cache.set(key, made)
      } catch (err) {
        channel.fail(err)
      }
    })()
    return channel
  }
}
