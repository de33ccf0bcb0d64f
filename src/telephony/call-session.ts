// One Twilio media stream, from `connected` to its end: the protocol state machine, the check that
// the stream belongs to a live call of ours, barge-in, and freeing everything on the way out. What
// the call says is the speaker's (speaker.ts), paced by what the caller has heard (playout.ts);
// what the caller says goes to caller-audio.ts.
import type { WebSocket, RawData } from 'ws'
import type { Synthesizer } from '../speech/synthesizer.js'
import type { VoiceInfo } from '../speech/engine.js'
import {
  clearMessage, markMessage, mediaMessage, parseInbound,
  type InboundMessage, type ProtocolErrorReason, type StartMessage,
} from './media-stream.js'
import { StreamRefused, type BargeInSource, type CallContext, type CallerEvent } from './call-context.js'
import { FRAME_MS, Playout } from './playout.js'
import { Speaker, type SpeechSource, type Utterance } from './speaker.js'
import { CallerAudio } from './caller-audio.js'

const OPEN = 1 // WebSocket.OPEN

export interface CallMetrics {
  framesSent(n: number): void
  protocolError(reason: ProtocolErrorReason): void
  firstMedia(seconds: number): void
  bargeIn(source: BargeInSource): void
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
  /** A call with nothing to say and a silent caller ends after this long (saying `idleGoodbye`); 0: never. */
  idleTimeoutMs?: number
  idleGoodbye?: string
  /** A pacing mark every this many frames. */
  markEveryFrames?: number
  /** Protocol errors tolerated before the socket is closed with 1008. */
  maxProtocolErrors?: number
  /** A socket that sends no `start` within this is closed. */
  startTimeoutMs?: number
  /** Utterances waiting behind the one playing. */
  maxQueued?: number
}

export class CallSession {
  callSid: string | null = null
  accountSid: string | null = null
  streamSid: string | null = null
  context: CallContext | null = null

  private state: 'new' | 'connected' | 'starting' | 'live' | 'ended' = 'new'
  private framesReported = 0
  private errors = 0
  private startedAt = 0
  private startTimer: NodeJS.Timeout | null
  private readonly playout: Playout
  private readonly speaker: Speaker
  private readonly caller: CallerAudio
  private listener: ((e: CallerEvent) => void) | null = null

  constructor(
    private readonly socket: WebSocket,
    private readonly o: SessionOptions,
  ) {
    const aheadFrames = Math.max(1, Math.round(o.sendAheadMs / FRAME_MS))
    const markEvery = Math.max(1, Math.min(o.markEveryFrames ?? 10, aheadFrames))
    this.playout = new Playout(aheadFrames, markEvery, (name) => {
      this.send(markMessage(this.streamSid!, name))
      this.reportFrames()
    })
    this.speaker = new Speaker({
      synth: o.synth,
      playout: this.playout,
      sendMedia: (payload) => {
        this.send(mediaMessage(this.streamSid!, payload))
        if (this.playout.framesSent === 0) o.metrics.firstMedia((performance.now() - this.startedAt) / 1000)
      },
      live: () => this.state === 'live',
      warn: (obj, m) => o.log.warn({ ...obj, callSid: this.callSid }, m),
      maxQueued: o.maxQueued ?? 32,
    }, () => this.closeIfFinished())
    this.caller = new CallerAudio({ idleMs: o.idleTimeoutMs ?? 0, busy: () => this.speaker.speaking || !this.playout.settled, onIdle: () => this.sayGoodbye() })
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary))
    socket.on('close', () => this.end('socket closed'))
    socket.on('error', () => this.end('socket error'))
    this.startTimer = setTimeout(() => this.refuse('no start message'), o.startTimeoutMs ?? 10_000)
  }

  get framesSent(): number {
    return this.playout.framesSent
  }

  get msPlayed(): number {
    return this.playout.msPlayed
  }

  /** What the caller was hearing at `t` (performance.now()): the utterance, and the call's frames played by then. */
  hearingAt(t: number): { utterance: Utterance | null; frame: number } {
    const frame = this.playout.playedAt(t)
    return { utterance: this.speaker.audibleAt(frame), frame }
  }

  /** Every inbound media frame and key press from now on goes to `listener` too. */
  onCaller(listener: (e: CallerEvent) => void): void {
    this.listener = listener
  }

  /**
   * Queues speech; with `interrupt`, whatever is playing or queued is cleared first. With a
   * `feed` or a `clip`, that is what is heard (`text` is then only a label).
   */
  say(text: string, opts: { voice?: VoiceInfo; interrupt?: boolean; timed?: boolean } & SpeechSource = {}): Utterance {
    if (this.state !== 'live') throw new Error('the stream is not live')
    if (opts.interrupt) this.clear('api')
    return this.speaker.say(text, opts.voice ?? this.context!.voice, opts.timed, { feed: opts.feed, clip: opts.clip })
  }

  /** Barge-in: the caller stops hearing what was sent, and nothing queued is spoken. */
  clear(source: BargeInSource): void {
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
    if (this.speaker.draining || this.state === 'ended') return
    this.speaker.draining = true
    this.closeIfFinished()
  }

  info() {
    return {
      callSid: this.callSid,
      streamSid: this.streamSid,
      framesSent: this.framesSent,
      msPlayed: this.msPlayed,
      speaking: this.speaker.speaking,
      saying: this.speaker.saying,
      queued: this.speaker.queued,
    }
  }

  private closeIfFinished(): void {
    if (this.speaker.draining && !this.speaker.speaking && this.playout.settled) this.close(1001, 'server shutting down')
  }

  private sayGoodbye(): void {
    if (this.state !== 'live') return
    this.o.log.info({ callSid: this.callSid }, 'idle call ended')
    const bye = this.say(this.o.idleGoodbye || 'Goodbye.')
    void bye.done.then(() => this.close(1000, 'idle'))
  }

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
        if (this.streamSid === null) return this.protocolError('out_of_order', 'media before start')
        if (this.state === 'live') {
          this.caller.hear(m)
          this.listener?.(m)
        }
        return
      case 'dtmf':
        if (this.state !== 'live') return
        this.listener?.(m)
        if (this.context!.bargeInDigit !== null && m.dtmf.digit === this.context!.bargeInDigit) this.clear('dtmf')
        return
      case 'mark':
        if (this.state !== 'live') return this.protocolError('out_of_order', 'mark before start')
        if (this.playout.echo(m.mark.name) === 'unknown') return this.protocolError('unknown_mark', m.mark.name.slice(0, 64))
        return this.closeIfFinished()
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
    this.accountSid = m.start.accountSid
    if (this.startTimer) clearTimeout(this.startTimer)
    this.startTimer = null
    const guess = this.o.preview?.(m)
    if (guess) this.speaker.prepare(guess.text, guess.voice)
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
    this.context = context
    if (this.state !== 'starting') {
      // The socket closed while the start was checked, after the call was marked as streaming:
      // report the end again, now with the call it belongs to, so its row is not left live.
      return this.o.onEnded(this, 'closed during start')
    }
    this.state = 'live'
    this.o.onLive(this)
    this.caller.start()
    if (context.text) this.say(context.text)
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

  private send(message: string): void {
    if (this.socket.readyState === OPEN) this.socket.send(message)
  }

  /** Frames are counted in the metric at each mark rather than one by one: 50 a second per call. */
  private reportFrames(): void {
    const sent = this.playout.framesSent
    if (sent > this.framesReported) this.o.metrics.framesSent(sent - this.framesReported)
    this.framesReported = sent
  }

  /** Throws away what was sent and queued: a barge-in (`interrupted`) or the end of the call. */
  private dropSpeech(outcome: 'interrupted' | 'ended'): void {
    this.playout.drop(outcome)
    this.speaker.drop(outcome)
  }

  private end(why: string): void {
    if (this.state === 'ended') return
    const wasLive = this.state === 'live'
    this.state = 'ended'
    if (this.startTimer) clearTimeout(this.startTimer)
    this.startTimer = null
    this.caller.stop()
    this.dropSpeech('ended')
    this.reportFrames()
    if (wasLive || this.context) this.o.log.info({ why, callSid: this.callSid, framesSent: this.framesSent, msPlayed: this.msPlayed }, 'media stream ended')
    this.o.onEnded(this, why)
  }
}
