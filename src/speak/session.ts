// One /v1/speak socket: text in as it is written, audio out as soon as each clause is complete.
//
// Text between two Flushes is a flush group: it is read as it arrives (speech/text-stream.ts) and
// its segments go to the synthesizer while more is still coming. Groups are spoken in order, each
// with a bill of its own (characters when the text arrives, audio and time to first audio as it
// leaves, one usage row when the group ends). Clear drops the buffered text, cancels synthesis and
// sends no audio of the cleared text after `Cleared`: every frame carries the generation it was
// made in, and a clear moves the generation on.
import type { WebSocket, RawData } from 'ws'
import { createEncoder, encodeChunks, type AudioFormat } from '../audio/encoder.js'
import { SegmentFeed } from '../speech/segment-feed.js'
import { TextStream } from '../speech/text-stream.js'
import { isSsml, readInput } from '../speech/read-input.js'
import { SsmlError } from '../speech/ssml/parse.js'
import type { Synthesizer } from '../speech/synthesizer.js'
import type { Bill } from '../usage/metering.js'
import type { CatalogVoice } from '../store/voice-catalog.js'
import { ApiError } from '../errors.js'
import { parseClientMessage, type Refusal, type ServerMessage } from './protocol.js'

const OPEN = 1 // WebSocket.OPEN
const MINUTE = 60_000

export interface SpeakLimits {
  /** Characters in one Speak message. */
  messageChars: number
  /** Characters accepted in any one minute of a connection. */
  charsPerMinute: number
  /** A socket with nothing to say and no message for this long is closed. */
  idleMs: number
}

export interface SpeakSessionOptions {
  synth: Synthesizer
  voice: CatalogVoice
  format: AudioFormat
  sampleRate: number
  speed: number
  timestamps: boolean
  limits: SpeakLimits
  /** A bill for each flush group, numbered from 0. */
  openBill(group: number): Bill
  log: { info(o: object, m: string): void; warn(o: object, m: string): void }
  onEnded(): void
}

interface Group {
  seq: number
  feed: SegmentFeed
  bill: Bill
  /** When its first text arrived, for the time to first audio. */
  since: number
  /** Set by a Flush: answered with Flushed once the group's last audio has been sent. */
  flush?: number
}

export class SpeakSession {
  private readonly text: TextStream
  private readonly groups: Group[] = []
  private current: Group | null = null
  private nextGroup = 0
  private flushes = 0
  private generation = 0
  private controller = new AbortController()
  private speaking = false
  private closing = false
  private ended = false
  /** Seconds of audio sent since the socket opened: the clock of the Words messages. */
  private audioSeconds = 0
  private minute = { start: 0, chars: 0 }
  private idleTimer: NodeJS.Timeout | null = null
  /** Messages are handled one at a time, in order: a Speak may wait on its charge. */
  private inbox: Promise<void> = Promise.resolve()

  constructor(
    private readonly socket: WebSocket,
    private readonly o: SpeakSessionOptions,
  ) {
    this.text = new TextStream(o.voice.info, o.speed, { lexicon: o.synth.lexicon })
    socket.on('message', (data, isBinary) => {
      this.inbox = this.inbox.then(() => this.onMessage(data, isBinary))
    })
    socket.on('close', () => this.end())
    socket.on('error', () => this.end())
    this.touch()
  }

  private async onMessage(data: RawData, isBinary: boolean): Promise<void> {
    if (this.ended) return
    this.touch()
    const parsed = parseClientMessage(data as Buffer, isBinary, this.o.limits.messageChars)
    if (!parsed.ok) return this.warn(parsed.refusal)
    const m = parsed.message
    switch (m.type) {
      case 'Speak':
        return this.speak(m.text)
      case 'Flush':
        return this.flush(this.flushes++)
      case 'Clear':
        return this.clear()
      case 'Close':
        this.closing = true
        this.flush()
        return this.closeIfDone()
    }
  }

  private async speak(text: string): Promise<void> {
    if (this.closing) return
    if (!this.withinMinute(text.length)) {
      return this.warn({ code: 'RATE_LIMITED', description: `More than ${this.o.limits.charsPerMinute} characters in a minute; the message was dropped` })
    }
    const ssml = isSsml(text) ? this.readSsml(text) : undefined
    if (ssml === null) return
    const group = this.openGroup()
    try {
      await group.bill.charge(text)
    } catch (err) {
      const quota = err instanceof ApiError && err.code === 'quota_exceeded'
      return this.close(1008, quota ? "this key's monthly character quota is used up" : 'could not charge the text')
    }
    // An SSML document is whole in one message: what was buffered before it is spoken first.
    group.feed.push(...(ssml ? [...this.text.flush(), ...ssml] : this.text.push(text)))
  }

  /** A Speak whose text is SSML, read; null (and a Warning) when it is bad. */
  private readSsml(text: string) {
    try {
      const { segments, warnings } = readInput(text, this.o.voice.info, this.o.speed, { type: 'ssml', voices: this.o.synth.voices(), lexicon: this.o.synth.lexicon })
      for (const description of warnings) this.warn({ code: 'SSML_NOT_DONE', description })
      return segments
    } catch (err) {
      if (!(err instanceof SsmlError)) throw err
      this.warn({ code: 'INVALID_SSML', description: `Invalid SSML at line ${err.line}, column ${err.column}: ${err.reason}; the message was dropped` })
      return null
    }
  }

  /** Whatever text is buffered is spoken now; with a sequence number, `Flushed` follows its audio. */
  private flush(seq?: number): void {
    const group = this.current ?? this.openGroup()
    group.feed.push(...this.text.flush())
    group.flush = seq
    group.feed.end()
    this.current = null
    void this.run()
  }

  private clear(): void {
    this.generation++
    this.controller.abort()
    this.controller = new AbortController()
    this.text.clear()
    for (const g of this.groups.splice(0)) this.settle(g, 499)
    if (this.current) this.settle(this.current, 499)
    this.current = null
    this.send({ type: 'Cleared', sequence_id: this.flushes })
  }

  /** The group text goes into until the next Flush; it starts being spoken at once. */
  private openGroup(): Group {
    if (this.current) return this.current
    const seq = this.nextGroup++
    this.current = { seq, feed: new SegmentFeed(), bill: this.o.openBill(seq), since: performance.now() }
    Object.assign(this.current.bill, { voice: this.o.voice.slug, format: this.o.format })
    this.groups.push(this.current)
    void this.run()
    return this.current
  }

  /** Speaks the groups one after another. */
  private async run(): Promise<void> {
    if (this.speaking) return
    this.speaking = true
    try {
      for (let g = this.groups[0]; g && !this.ended; g = this.groups[0]) {
        // Not done: cleared (the group is gone; the next one, if any, goes on) or the socket ended.
        if (!(await this.speakGroup(g, this.generation, this.controller.signal))) continue
        this.groups.shift()
        this.settle(g, 200)
        if (g.flush !== undefined) this.send({ type: 'Flushed', sequence_id: g.flush })
      }
    } finally {
      this.speaking = false
      this.closeIfDone()
    }
  }

  private async speakGroup(g: Group, gen: number, signal: AbortSignal): Promise<boolean> {
    const { synth, voice, format, sampleRate } = this.o
    const encoder = await createEncoder(format, { inputRate: voice.sampleRate, outputRate: sampleRate })
    const secondsPerSample = 1 / voice.sampleRate
    let segmentStart = this.audioSeconds
    const after = (chunk: { samples: Int16Array; last: boolean; words?: { word: string; start: number; end: number }[]; mark?: string }) => {
      this.audioSeconds += chunk.samples.length * secondsPerSample
      g.bill.addAudio(chunk.samples.length * secondsPerSample * 1000)
      if (chunk.samples.length) g.bill.firstAudio(performance.now() - g.since)
      if (chunk.last && chunk.words && this.o.timestamps && gen === this.generation) {
        const at = segmentStart
        this.send({ type: 'Words', words: chunk.words.map((w) => ({ word: w.word, start: round(at + w.start * secondsPerSample), end: round(at + w.end * secondsPerSample) })) })
      }
      if (chunk.mark !== undefined && gen === this.generation) this.send({ type: 'Mark', name: chunk.mark, time: round(this.audioSeconds) })
      if (chunk.last) segmentStart = this.audioSeconds
    }
    try {
      for await (const bytes of encodeChunks(synth.stream(g.feed, { signal, live: true, words: this.o.timestamps, rate: voice.sampleRate }), encoder, { after })) {
        if (gen !== this.generation || this.ended) return false
        this.sendAudio(bytes)
      }
      return gen === this.generation
    } catch (err) {
      encoder.close()
      if (gen !== this.generation || this.ended) return false
      this.o.log.warn({ err: { message: (err as Error).message } }, 'synthesis failed on a speak socket')
      g.bill.failed = true
      this.close(1011, 'synthesis failed')
      return false
    }
  }

  /** The group's usage row; a group that said nothing (a Flush with nothing buffered) has none. */
  private settle(g: Group, status: number): void {
    g.feed.end()
    if (g.bill.characters > 0 || g.bill.audioMs > 0) g.bill.record(g.bill.failed ? 500 : status, performance.now() - g.since)
  }

  private withinMinute(chars: number): boolean {
    const now = Date.now()
    if (now - this.minute.start >= MINUTE) this.minute = { start: now, chars: 0 }
    if (this.minute.chars + chars > this.o.limits.charsPerMinute) return false
    this.minute.chars += chars
    return true
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => {
      if (this.speaking) return this.touch()
      this.close(1000, 'idle timeout')
    }, this.o.limits.idleMs)
    this.idleTimer.unref()
  }

  private closeIfDone(): void {
    if (this.closing && !this.speaking && this.groups.length === 0) this.close(1000, 'closed')
  }

  private warn(refusal: Refusal): void {
    this.send({ type: 'Warning', description: refusal.description, code: refusal.code })
  }

  private send(message: ServerMessage): void {
    if (this.socket.readyState === OPEN) this.socket.send(JSON.stringify(message))
  }

  private sendAudio(bytes: Uint8Array): void {
    if (this.socket.readyState === OPEN) this.socket.send(bytes, { binary: true })
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === OPEN) this.socket.close(code, reason)
    this.end()
  }

  private end(): void {
    if (this.ended) return
    this.ended = true
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.controller.abort()
    for (const g of this.groups.splice(0)) this.settle(g, 499)
    this.o.onEnded()
  }
}

const round = (s: number) => Math.round(s * 1000) / 1000
