// One Twilio media stream: speech in 20 ms μ-law frames, paced by the caller's ears.
//
// Pacing: every frame sent moves `framesSent` on; a mark echoed by Twilio means the audio before
// it has played, which moves `confirmedAt` up to the frame count the mark was sent at. No frame
// goes out while `framesSent - confirmedAt` would pass the send-ahead window (about a second),
// and marks go out every few frames, so echoes keep arriving while audio plays. That bounds what
// a barge-in has to throw away, what Twilio buffers, and what this process holds per call: the
// speaker loop pulls from the synthesizer only as fast as the window opens.
//
// Barge-in (a DTMF key or the API): `clear`, abort synthesis, and bump the generation carried in
// every mark name. Twilio echoes every pending mark after a clear; those echoes name an old
// generation and are ignored, so cleared audio is never counted as heard.
import type { WebSocket, RawData } from 'ws'
import { createEncoder } from '../audio/encoder.js'
import { createFramer, FRAME_BYTES } from '../audio/frames.js'
import type { SpeechChunk, Synthesizer } from '../speech/synthesizer.js'
import type { VoiceInfo } from '../speech/engine.js'
import {
  clearMessage, markMessage, mediaMessage, parseInbound,
  type InboundMessage, type ProtocolErrorReason, type StartMessage,
} from './media-stream.js'

const FRAME_MS = 20
/** Audio encoded at a time: a few frames' worth. */
const SLICE_MS = 80
const OPEN = 1 // WebSocket.OPEN

/** What a `start` is checked against, and what the call then says. */
export interface CallContext {
  callId: string
  callSid: string
  /** Spoken as soon as the stream starts; null for nothing. */
  text: string | null
  voice: VoiceInfo
  bargeInDigit: string | null
}

/** Thrown by `authorize` to refuse a stream (closed with 1008 and this reason). */
export class StreamRefused extends Error {}

export interface CallMetrics {
  framesSent(n: number): void
  protocolError(reason: ProtocolErrorReason): void
  firstMedia(seconds: number): void
  bargeIn(source: 'dtmf' | 'api'): void
}

export interface SessionOptions {
  synth: Synthesizer
  /** Checks the start's token and that the call is live; resolves with what to say. */
  authorize(start: StartMessage): Promise<CallContext>
  /**
   * A guess at what the call will say, known without the database, so synthesis can start while
   * `authorize` runs. Used only if `authorize` then says the same; nothing is sent before it does.
   */
  preview?(start: StartMessage): { text: string; voice: VoiceInfo } | null
  /** The session is live (after authorize) and can take commands. */
  onLive(session: CallSession): void
  /** Called once, when the session is over and everything is freed. */
  onEnded(session: CallSession, why: string): void
  metrics: CallMetrics
  log: { info(o: object, m: string): void; warn(o: object, m: string): void }
  /** Audio ahead of what echoed marks say was heard. */
  sendAheadMs: number
  /** A pacing mark every this many frames. */
  markEveryFrames?: number
  /** Protocol errors tolerated before the socket is closed with 1008. */
  maxProtocolErrors?: number
  /** A socket that sends no `start` within this is closed. */
  startTimeoutMs?: number
  /** Utterances waiting behind the one playing. */
  maxQueued?: number
}

export type Outcome = 'played' | 'interrupted' | 'ended' | 'failed'

export interface Utterance {
  id: number
  text: string
  voice: VoiceInfo
  /** Settles once its last mark is echoed, or when it is cleared, fails or the call ends. */
  done: Promise<Outcome>
  settle(o: Outcome): void
}

interface PendingMark {
  name: string
  /** framesSent when the mark was sent. */
  at: number
  /** Set on an utterance's last mark. */
  utterance?: Utterance
}

export class QueueFullError extends Error {}

/** Speech whose synthesis began before the stream was authorized. */
interface Prepared {
  text: string
  voice: VoiceInfo
  chunks: AsyncGenerator<SpeechChunk>
  first: Promise<IteratorResult<SpeechChunk>>
  controller: AbortController
}

/** The chunks of a generator whose first `next()` was already asked for. */
async function* resume<T>(rest: AsyncGenerator<T>, first: Promise<IteratorResult<T>>): AsyncGenerator<T> {
  try {
    const r = await first
    if (r.done) return
    yield r.value
    yield* rest
  } finally {
    await rest.return(undefined)
  }
}

export class CallSession {
  callSid: string | null = null
  streamSid: string | null = null
  context: CallContext | null = null
  framesSent = 0
  framesPlayed = 0

  private state: 'new' | 'connected' | 'starting' | 'live' | 'ended' = 'new'
  private generation = 0
  private confirmedAt = 0
  private lastMarkAt = 0
  private markSeq = 0
  private framesReported = 0
  private errors = 0
  private startedAt = 0
  private readonly marks: PendingMark[] = []
  private readonly queue: Utterance[] = []
  private current: Utterance | null = null
  private pumping = false
  /** Shutting down: no new segment starts; the stream closes once what was sent has played. */
  private draining = false
  private nextUtterance = 1
  private controller = new AbortController()
  private prepared: Prepared | null = null
  private windowWaiter: (() => void) | null = null
  private startTimer: NodeJS.Timeout | null
  private readonly aheadFrames: number
  private readonly markEvery: number

  constructor(
    private readonly socket: WebSocket,
    private readonly o: SessionOptions,
  ) {
    this.aheadFrames = Math.max(1, Math.round(o.sendAheadMs / FRAME_MS))
    this.markEvery = Math.max(1, Math.min(o.markEveryFrames ?? 10, this.aheadFrames))
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary))
    socket.on('close', () => this.end('socket closed'))
    socket.on('error', () => this.end('socket error'))
    this.startTimer = setTimeout(() => this.refuse('no start message'), o.startTimeoutMs ?? 10_000)
  }

  get msPlayed(): number {
    return this.framesPlayed * FRAME_MS
  }

  /** Queues speech; with `interrupt`, whatever is playing or queued is cleared first. */
  say(text: string, opts: { voice?: VoiceInfo; interrupt?: boolean } = {}): Utterance {
    if (this.state !== 'live') throw new Error('the stream is not live')
    if (opts.interrupt) this.clear('api')
    if (this.queue.length >= (this.o.maxQueued ?? 32)) throw new QueueFullError('too much speech is queued on this call')
    let settle!: (o: Outcome) => void
    const done = new Promise<Outcome>((resolve) => (settle = resolve))
    let settled = false
    const u: Utterance = {
      id: this.nextUtterance++,
      text,
      voice: opts.voice ?? this.context!.voice,
      done,
      settle: (outcome) => {
        if (settled) return
        settled = true
        settle(outcome)
      },
    }
    this.queue.push(u)
    void this.pump()
    return u
  }

  /** Barge-in: the caller stops hearing what was sent, and nothing queued is spoken. */
  clear(source: 'dtmf' | 'api'): void {
    if (this.state !== 'live') return
    this.o.metrics.bargeIn(source)
    this.send(clearMessage(this.streamSid!))
    this.dropSpeech('interrupted')
  }

  /** Closes the stream from our side (Twilio logs 31921; the call then ends). */
  close(code = 1000, reason = 'closed by the service'): void {
    if (this.socket.readyState === OPEN) this.socket.close(code, reason)
    this.end(reason)
  }

  /**
   * For a graceful shutdown: the segment being spoken is finished and heard, nothing after it is
   * started, and then the stream closes with 1001 (going away).
   */
  finishUp(): void {
    if (this.draining || this.state === 'ended') return
    this.draining = true
    this.closeIfFinished()
  }

  private closeIfFinished(): void {
    if (this.draining && !this.current && this.marks.length === 0) this.close(1001, 'server shutting down')
  }

  info() {
    return {
      callSid: this.callSid,
      streamSid: this.streamSid,
      framesSent: this.framesSent,
      msPlayed: this.msPlayed,
      speaking: this.current !== null,
      queued: this.queue.length,
    }
  }

  // --- inbound --------------------------------------------------------------------------------

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.state === 'ended') return
    const parsed = parseInbound(data as Buffer, isBinary)
    if (!parsed.ok) return this.protocolError(parsed.reason, parsed.detail)
    const m = parsed.message
    if (m.event !== 'connected' && this.streamSid !== null && m.streamSid !== this.streamSid) {
      return this.protocolError('wrong_stream', `streamSid ${m.streamSid}`)
    }
    this.handle(m)
  }

  private handle(m: InboundMessage): void {
    switch (m.event) {
      case 'connected':
        if (this.state !== 'new') return this.protocolError('out_of_order', 'a second connected')
        this.state = 'connected'
        return
      case 'start':
        if (this.state !== 'new' && this.state !== 'connected') return this.protocolError('out_of_order', 'a second start')
        if (this.state === 'new') this.protocolError('out_of_order', 'start before connected')
        return void this.start(m)
      case 'media':
        // Caller audio: accepted and, for now, not kept (the parse was its whole cost).
        if (this.streamSid === null) return this.protocolError('out_of_order', 'media before start')
        return
      case 'dtmf':
        if (this.state !== 'live') return
        if (this.context!.bargeInDigit !== null && m.dtmf.digit === this.context!.bargeInDigit) this.clear('dtmf')
        return
      case 'mark':
        if (this.state !== 'live') return this.protocolError('out_of_order', 'mark before start')
        return this.onMark(m.mark.name)
      case 'stop':
        this.end('stop')
        if (this.socket.readyState === OPEN) this.socket.close(1000, 'stopped')
        return
    }
  }

  private async start(m: StartMessage): Promise<void> {
    this.state = 'starting'
    this.startedAt = performance.now()
    this.streamSid = m.streamSid
    this.callSid = m.start.callSid
    if (this.startTimer) clearTimeout(this.startTimer)
    this.startTimer = null
    const guess = this.o.preview?.(m)
    if (guess) this.prepare(guess.text, guess.voice)
    let context: CallContext
    try {
      context = await this.o.authorize(m)
    } catch (err) {
      if (err instanceof StreamRefused) {
        this.o.metrics.protocolError('bad_start')
        return this.refuse(err.message)
      }
      this.o.log.warn({ err: { message: (err as Error).message }, callSid: this.callSid }, 'stream start failed')
      return this.close(1011, 'could not start the stream')
    }
    if (this.state !== 'starting') {
      // The socket closed while the start was checked, after the call was marked as streaming:
      // report the end again, now with the call it belongs to, so its row is not left live.
      this.context = context
      return this.o.onEnded(this, 'closed during start')
    }
    this.context = context
    this.state = 'live'
    this.o.onLive(this)
    if (context.text) this.say(context.text)
  }

  /** Synthesis of `text`, already asked for its first chunk. */
  private synthesize(text: string, voice: VoiceInfo, signal: AbortSignal) {
    const chunks = this.o.synth.stream(text, { voice: voice.id, speed: 1, signal, live: true })
    const first = chunks.next()
    first.catch(() => {}) // speech that is dropped unheard must not be an unhandled rejection
    return { chunks, first }
  }

  private prepare(text: string, voice: VoiceInfo): void {
    const controller = new AbortController()
    this.prepared = { text, voice, controller, ...this.synthesize(text, voice, controller.signal) }
  }

  /** The prepared speech if it is this utterance's; otherwise it is cancelled. */
  private takePrepared(u: Utterance, signal: AbortSignal): AsyncGenerator<SpeechChunk> | null {
    const p = this.prepared
    this.prepared = null
    if (!p) return null
    if (p.text !== u.text || p.voice.id !== u.voice.id) {
      p.controller.abort()
      return null
    }
    signal.addEventListener('abort', () => p.controller.abort(), { once: true })
    return resume(p.chunks, p.first)
  }

  private onMark(name: string): void {
    const gen = /^g(\d+):/.exec(name)
    // An echo from before a clear: that audio was thrown away, not heard.
    if (gen && Number(gen[1]) !== this.generation) return
    const index = this.marks.findIndex((mk) => mk.name === name)
    if (index < 0) return this.protocolError('unknown_mark', name.slice(0, 64))
    const at = this.marks[index].at
    // Twilio plays in order, so every mark before this one has played too.
    for (const mk of this.marks.splice(0, index + 1)) mk.utterance?.settle('played')
    this.framesPlayed += at - this.confirmedAt
    this.confirmedAt = at
    this.wake()
    this.closeIfFinished()
  }

  private protocolError(reason: ProtocolErrorReason, detail: string): void {
    this.errors++
    this.o.metrics.protocolError(reason)
    // The first few are logged; a flood would otherwise flood the log too.
    if (this.errors <= 3) this.o.log.warn({ reason, detail, callSid: this.callSid }, 'media stream protocol error')
    if (this.errors > (this.o.maxProtocolErrors ?? 10)) this.refuse('too many protocol errors')
  }

  private refuse(reason: string): void {
    this.o.log.info({ reason, callSid: this.callSid }, 'media stream refused')
    this.close(1008, reason)
  }

  // --- outbound -------------------------------------------------------------------------------

  private send(message: string): void {
    if (this.socket.readyState === OPEN) this.socket.send(message)
  }

  private sendMark(name: string, utterance?: Utterance): void {
    this.marks.push({ name, at: this.framesSent, utterance })
    this.lastMarkAt = this.framesSent
    this.send(markMessage(this.streamSid!, name))
    this.reportFrames()
  }

  /** Frames are counted in the metric at each mark rather than one by one: 50 a second per call. */
  private reportFrames(): void {
    if (this.framesSent > this.framesReported) this.o.metrics.framesSent(this.framesSent - this.framesReported)
    this.framesReported = this.framesSent
  }

  /** Sends one frame once the window allows; false when a clear or the end made it stale. */
  private async sendFrame(frame: Uint8Array, gen: number): Promise<boolean> {
    while (this.framesSent - this.confirmedAt >= this.aheadFrames) {
      await new Promise<void>((resolve) => (this.windowWaiter = resolve))
      if (gen !== this.generation || this.state !== 'live') return false
    }
    if (gen !== this.generation || this.state !== 'live') return false
    const payload = Buffer.from(frame.buffer, frame.byteOffset, FRAME_BYTES).toString('base64')
    this.send(mediaMessage(this.streamSid!, payload))
    if (this.framesSent++ === 0) this.o.metrics.firstMedia((performance.now() - this.startedAt) / 1000)
    if (this.framesSent - this.lastMarkAt >= this.markEvery) this.sendMark(`g${gen}:m${++this.markSeq}`)
    return true
  }

  private wake(): void {
    const w = this.windowWaiter
    this.windowWaiter = null
    w?.()
  }

  private async pump(): Promise<void> {
    if (this.pumping) return
    this.pumping = true
    try {
      for (let u = this.queue.shift(); u && this.state === 'live' && !this.draining; u = this.queue.shift()) {
        this.current = u
        await this.speak(u, this.generation, this.controller.signal)
        this.current = null
      }
    } finally {
      this.pumping = false
      this.current = null
      this.closeIfFinished()
    }
  }

  private async speak(u: Utterance, gen: number, signal: AbortSignal): Promise<void> {
    const segments = this.o.synth.segments(u.text).length
    if (segments === 0) return u.settle('played')
    // Synthesis first: the encoder is built while the engine works on the first segment.
    let chunks = this.takePrepared(u, signal)
    if (!chunks) {
      const { chunks: rest, first } = this.synthesize(u.text, u.voice, signal)
      chunks = resume(rest, first)
    }
    const encoder = await createEncoder('mulaw', { inputRate: u.voice.sampleRate, outputRate: 8000 })
    const slice = Math.ceil((u.voice.sampleRate * SLICE_MS) / 1000)
    const framer = createFramer(FRAME_BYTES)
    const sendAll = async (bytes: Uint8Array) => {
      for (const frame of framer.push(bytes)) if (!(await this.sendFrame(frame, gen))) return false
      return true
    }
    try {
      for await (const chunk of chunks) {
        // An engine may hand over a whole sentence at once. Encoding it slice by slice, as the
        // window opens, keeps the resampler's buffers and the frames waiting here small.
        for (let at = 0; at < chunk.samples.length; at += slice) {
          if (!(await sendAll(await encoder.push(chunk.samples.subarray(at, at + slice))))) return
        }
        if (gen !== this.generation || this.state !== 'live') return
        // Draining: this segment is complete; the rest of the text is not started.
        if (chunk.last && this.draining) break
        if (chunk.last && chunk.segment < segments - 1) this.sendMark(`g${gen}:s${++this.markSeq}`)
      }
      if (!(await sendAll(await encoder.end()))) return
      const last = framer.flush()
      if (last && !(await this.sendFrame(last, gen))) return
      this.sendMark(`g${gen}:e${u.id}`, u)
    } catch (err) {
      if (gen === this.generation && this.state === 'live') {
        this.o.log.warn({ err: { message: (err as Error).message }, callSid: this.callSid }, 'synthesis failed on a call')
        u.settle('failed')
      }
    }
  }

  /** Throws away what was sent and queued: a barge-in (`interrupted`) or the end of the call. */
  private dropSpeech(outcome: Outcome): void {
    this.generation++
    this.controller.abort()
    this.controller = new AbortController()
    this.prepared?.controller.abort()
    this.prepared = null
    this.current?.settle(outcome)
    for (const u of this.queue.splice(0)) u.settle(outcome)
    for (const mk of this.marks.splice(0)) mk.utterance?.settle(outcome)
    this.confirmedAt = this.framesSent
    this.lastMarkAt = this.framesSent
    this.wake()
  }

  private end(why: string): void {
    if (this.state === 'ended') return
    const wasLive = this.state === 'live'
    this.state = 'ended'
    if (this.startTimer) clearTimeout(this.startTimer)
    this.startTimer = null
    this.dropSpeech('ended')
    this.reportFrames()
    if (wasLive || this.context) this.o.log.info({ why, callSid: this.callSid, framesSent: this.framesSent, msPlayed: this.msPlayed }, 'media stream ended')
    this.o.onEnded(this, why)
  }
}
