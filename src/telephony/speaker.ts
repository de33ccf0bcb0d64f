// What a call says: a queue of utterances, spoken one after another in 20 ms μ-law frames, each
// frame sent only when the send-ahead window has room (playout.ts), so the pull on the synthesizer
// runs exactly as fast as the caller listens. Speech for a call can begin before its stream is
// authorized (`prepare`); it is used only if the call then says the same.
import { createEncoder, encodeChunks } from '../audio/encoder.js'
import { createFramer, FRAME_BYTES } from '../audio/frames.js'
import type { VoiceInfo } from '../speech/engine.js'
import { prefetch, type Prefetched } from '../speech/prefetch.js'
import type { Segment } from '../speech/read.js'
import { readInput } from '../speech/read-input.js'
import { SsmlError } from '../speech/ssml/parse.js'
import type { SegmentFeed } from '../speech/segment-feed.js'
import type { Clip } from './agent/clips.js'
import type { SpeechChunk, SpokenWord, Synthesizer } from '../speech/synthesizer.js'
import { FRAME_MS, type DropReason, type Playout } from './playout.js'

/** Audio encoded at a time: a few frames' worth. */
const SLICE_MS = 80

export type Outcome = 'played' | 'interrupted' | 'ended' | 'failed'

/**
 * One `say`: its speech, how it ended, and what the caller heard of it. Each word's end is placed in
 * the call's frames from the engine's word timings; the words heard are those whose end had played
 * (by echoed marks) when the utterance ended, so speech cleared by a barge-in is never counted.
 */
export class Utterance {
  /** Settles once its last mark is echoed, or when it is cleared, fails or the call ends. */
  readonly done: Promise<Outcome>
  /** The call's frame count when its first frame went out. */
  startFrame: number | null = null
  private readonly words: { word: string; endMs: number }[] = []
  private heardWords: string[] = []
  /** SSML marks, where they fall in the utterance's audio; those heard once it is settled. */
  private readonly marks: { name: string; atMs: number }[] = []
  private heardMarks: string[] = []
  private resolve!: (o: Outcome) => void
  /** It has played, been cut short, failed or its call ended. */
  settled = false

  constructor(
    readonly id: number,
    readonly text: string,
    readonly voice: VoiceInfo,
    private readonly playout: Playout,
    readonly timed: boolean,
    private readonly source: SpeechSource = {},
  ) {
    this.done = new Promise((r) => (this.resolve = r))
  }

  get feed(): SegmentFeed | undefined {
    return this.source.feed
  }

  get clip(): SpeechSource['clip'] {
    return this.source.clip
  }

  /** A segment's words, `offsetMs` into the utterance's audio. */
  addWords(words: SpokenWord[], offsetMs: number, rate: number): void {
    for (const w of words) this.words.push({ word: w.word, endMs: offsetMs + (w.end / rate) * 1000 })
  }

  addMark(name: string, atMs: number): void {
    this.marks.push({ name, atMs })
  }

  /** The words the caller heard to their end, and the SSML marks reached (when it had any). */
  heard(): { heard: string; marks?: string[] } {
    return { heard: this.heardWords.join(' '), ...(this.marks.length ? { marks: this.heardMarks } : {}) }
  }

  /**
   * What had played of this utterance once the call had played `frame` frames: the words heard to
   * their end, and its audio in ms. For the utterance now playing (its frames are the last sent).
   */
  heardBy(frame: number): { text: string; ms: number } {
    const frames = this.startFrame === null ? 0 : Math.min(Math.max(0, frame - this.startFrame), this.playout.framesSent - this.startFrame)
    const ms = frames * FRAME_MS
    return { text: this.words.filter((w) => w.endMs <= ms).map((w) => w.word).join(' '), ms }
  }

  settle(o: Outcome): void {
    if (this.settled) return
    this.settled = true
    const playedMs = this.startFrame === null ? 0 : (this.playout.framesPlayed - this.startFrame) * FRAME_MS
    this.heardWords = this.words.filter((w) => o === 'played' || w.endMs <= playedMs).map((w) => w.word)
    this.heardMarks = this.marks.filter((m) => o === 'played' || m.atMs <= playedMs).map((m) => m.name)
    this.resolve(o)
  }
}

export class QueueFullError extends Error {}

/** Where an utterance's audio comes from, when not from reading its text. */
export interface SpeechSource {
  /** Segments still arriving (an agent's reply as it is written); `text` is then only a label. */
  feed?: SegmentFeed
  /** Recorded audio (an agent's `play`), played `loops` times; waited for in its turn in the queue. */
  clip?: { clip: Promise<Clip>; loops: number }
}

/** Speech whose synthesis began before it was asked for. */
interface Prepared {
  text: string
  voice: VoiceInfo
  segments: Segment[]
  speech: Prefetched<SpeechChunk>
  controller: AbortController
}

export interface SpeakerDeps {
  synth: Synthesizer
  playout: Playout
  /** Puts one frame's base64 payload on the wire. */
  sendMedia(payload: string): void
  /** Whether the stream can still carry audio. */
  live(): boolean
  warn(o: object, m: string): void
  maxQueued: number
}

export class Speaker {
  /** Shutting down: no new segment starts once the current one is complete. */
  draining = false
  private readonly queue: Utterance[] = []
  private playing: Utterance | null = null
  /** Utterances with frames sent and not yet settled: what the caller may be hearing. */
  private sounding: Utterance[] = []
  private pumping = false
  private nextId = 1
  private controller = new AbortController()
  private prepared: Prepared | null = null

  constructor(
    private readonly d: SpeakerDeps,
    /** Called whenever the speaker stops with nothing playing (the session may then close). */
    private readonly onIdle: () => void,
  ) {}

  get speaking(): boolean {
    return this.playing !== null
  }

  /** The utterance being spoken, if any. */
  get current(): Utterance | null {
    return this.playing
  }

  /** The utterance the caller was hearing once the call had played `frame` frames; null for silence. */
  audibleAt(frame: number): Utterance | null {
    this.sounding = this.sounding.filter((u) => !u.settled)
    let heard: Utterance | null = null
    for (const u of this.sounding) if (u.startFrame! <= frame) heard = u
    return heard ?? this.sounding[0] ?? null
  }

  /** The text being spoken now (the console's live calls show it). */
  get saying(): string | null {
    return this.current?.text ?? null
  }

  get queued(): number {
    return this.queue.length
  }

  /** Starts synthesis now for speech expected shortly (a call's greeting while its stream is checked). */
  prepare(text: string, voice: VoiceInfo): void {
    const controller = new AbortController()
    const segments = this.read(text, voice)
    this.prepared = { text, voice, segments, controller, speech: this.synthesize(segments, voice, controller.signal) }
  }

  /** With `timed`, the utterance learns which words the caller heard (word timings cost Flite a cheap second run). */
  say(text: string, voice: VoiceInfo, timed = false, source: SpeechSource = {}): Utterance {
    if (this.queue.length >= this.d.maxQueued) throw new QueueFullError('too much speech is queued on this call')
    const u = new Utterance(this.nextId++, text, voice, this.d.playout, timed, source)
    this.queue.push(u)
    void this.pump()
    return u
  }

  /** Throws away what is playing and queued: a barge-in (`interrupted`) or the end of the call (`ended`). */
  drop(outcome: DropReason): void {
    this.controller.abort()
    this.controller = new AbortController()
    this.prepared?.controller.abort()
    this.prepared = null
    // A reply still being written waits on its feed, not on the synthesis the abort stops.
    for (const u of [this.playing, ...this.queue]) u?.feed?.end()
    this.playing?.settle(outcome)
    for (const u of this.queue.splice(0)) u.settle(outcome)
  }

  /** Text or SSML. The routes refuse bad SSML; a bad greeting set before that (CALL_GREETING) is read as text. */
  private read(text: string, voice: VoiceInfo): Segment[] {
    const options = { voices: this.d.synth.voices(), lexicon: this.d.synth.lexicon }
    try {
      return readInput(text, voice, 1, options).segments
    } catch (err) {
      if (!(err instanceof SsmlError)) throw err
      this.d.warn({ err: { message: err.message } }, 'bad SSML on a call, read as text')
      return readInput(text, voice, 1, { ...options, type: 'text' }).segments
    }
  }

  private synthesize(segments: Segment[] | SegmentFeed, voice: VoiceInfo, signal: AbortSignal, words = false): Prefetched<SpeechChunk> {
    return prefetch(this.d.synth.stream(segments, { signal, live: true, words, rate: voice.sampleRate }))
  }

  /** The prepared speech if it is this utterance's; otherwise it is cancelled. */
  private takePrepared(u: Utterance, signal: AbortSignal): Prepared | null {
    const p = this.prepared
    this.prepared = null
    if (!p) return null
    if (p.text !== u.text || p.voice.id !== u.voice.id) {
      p.controller.abort()
      return null
    }
    signal.addEventListener('abort', () => p.controller.abort(), { once: true })
    return p
  }

  private async pump(): Promise<void> {
    if (this.pumping) return
    this.pumping = true
    try {
      for (let u = this.queue.shift(); u && this.d.live() && !this.draining; u = this.queue.shift()) {
        this.playing = u
        await this.speak(u, this.d.playout.generation, this.controller.signal)
        this.playing = null
      }
    } finally {
      this.pumping = false
      this.playing = null
      this.onIdle()
    }
  }

  private async speak(u: Utterance, gen: number, signal: AbortSignal): Promise<void> {
    const { playout } = this.d
    const prepared = this.takePrepared(u, signal)
    const segments = u.feed ?? prepared?.segments ?? this.read(u.text, u.voice)
    if (segments.length === 0 && !u.feed && !u.clip) return u.settle('played')
    // Synthesis first: the encoder is built while the engine works on the first segment.
    const clip = await u.clip?.clip.catch(() => null)
    if (clip === null) return u.settle('failed') // the agent is told why
    const speech = clip ? { chunks: loop(clip, u.clip!.loops) } : prepared?.speech ?? this.synthesize(segments, u.voice, signal, u.timed)
    const rate = clip?.rate ?? u.voice.sampleRate
    const encoder = await createEncoder('mulaw', { inputRate: rate, outputRate: 8000 })
    const framer = createFramer(FRAME_BYTES)
    const stale = () => gen !== playout.generation || !this.d.live()
    const send = async (frame: Uint8Array) => {
      if (!(await playout.room(stale))) return false
      if (u.startFrame === null) {
        u.startFrame = playout.framesSent
        this.sounding.push(u)
      }
      this.d.sendMedia(Buffer.from(frame.buffer, frame.byteOffset, FRAME_BYTES).toString('base64'))
      playout.sent()
      return true
    }
    let audioMs = 0
    let segmentMs = 0
    const after = (chunk: SpeechChunk) => {
      audioMs += (chunk.samples.length / rate) * 1000
      if (chunk.words) u.addWords(chunk.words, segmentMs, rate)
      if (chunk.mark !== undefined) u.addMark(chunk.mark, audioMs)
      if (chunk.last) segmentMs = audioMs
      if (stale()) return false
      // Draining: this segment is complete; the rest of the text is not started.
      if (chunk.last && this.draining) return false
      if (chunk.last && !chunk.final) playout.mark('s')
    }
    try {
      // An engine may hand over a whole sentence at once. Encoding it slice by slice, as the
      // window opens, keeps the resampler's buffers and the frames waiting here small.
      const slice = Math.ceil((rate * SLICE_MS) / 1000)
      for await (const bytes of encodeChunks(speech.chunks, encoder, { slice, after })) {
        for (const frame of framer.push(bytes)) if (!(await send(frame))) return
      }
      const last = framer.flush()
      if (stale() || (last && !(await send(last)))) return
      playout.mark('e', { played: () => u.settle('played'), dropped: (reason) => u.settle(reason) }, u.id)
    } catch (err) {
      if (!stale()) {
        this.d.warn({ err: { message: (err as Error).message } }, 'synthesis failed on a call')
        u.settle('failed')
      }
    }
  }
}

/** A clip as the synthesizer's chunks: each pass a segment of its own. */
async function* loop(clip: Clip, loops: number): AsyncGenerator<SpeechChunk> {
  for (let i = 0; i < loops; i++) yield { samples: clip.samples, segment: i, last: true, final: i === loops - 1 }
}
