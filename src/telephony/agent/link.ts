// One call's agent: the WebSocket we open to the app when the call's stream goes live, spoken to in
// ConversationRelay's message shapes (protocol.ts). The app's text is spoken as it streams in, from
// the first complete clause (speech/text-stream.ts); the caller's voice (vad.ts) or keys cut it
// short, and the app learns exactly what was heard. An app that cannot be reached, drops, or keeps
// sending what cannot be read leaves the caller an apology, then the call ends: never dead air.
import { WebSocket } from 'ws'
import { decodeMulaw } from '../../audio/g711.js'
import type { VoiceInfo } from '../../speech/engine.js'
import { SegmentFeed } from '../../speech/segment-feed.js'
import { TextStream } from '../../speech/text-stream.js'
import type { BargeInSource, CallContext, CallerEvent } from '../call-context.js'
import type { CallSession } from '../call-session.js'
import type { Utterance } from '../speaker.js'
import { VoiceActivity } from '../vad.js'
import { parseAgentMessage, type AgentMessage, type ServerMessage } from './protocol.js'
import { interruptsOn, type AgentSettings, type Interruptible } from './settings.js'
import { SIGNATURE_HEADER, signAgentUrl } from './signing.js'
import { SpeechToText } from './stt.js'
import type { ClipCache } from './clips.js'

/** As ConversationRelay: this many malformed messages in a row close the socket with 1007. */
const MAX_MALFORMED = 10
const CONNECT_TIMEOUT_MS = 5000
/** An interim transcript this many words long cuts the agent short, as the VAD does. */
const INTERRUPTING_WORDS = 3
const OPEN = 1

export interface AgentLinkDeps {
  session: CallSession
  context: CallContext & { agent: AgentSettings }
  signingSecret?: string
  apology: string
  /** Audio the app asks to play, shared by the instance's calls. */
  clips: ClipCache
  /** The speech-to-text bridge (STT_URL): the caller's turns become `prompt` messages. */
  stt?: { url: string; apiKey?: string }
  /** Ends the call: to the handoff TwiML (with the app's data) when given, else hung up. */
  endCall(handoff?: { url: string; data?: string }): Promise<void>
  /** A voice for a language tag (`language`, a token's `lang`), preferring the call's engine. */
  voiceFor(tag: string, current: VoiceInfo): VoiceInfo | undefined
  log: { info(o: object, m: string): void; warn(o: object, m: string): void }
}

/** The reply being spoken while the app is still writing it. */
interface Turn {
  stream: TextStream
  feed: SegmentFeed
  utterance: Utterance
  text: string
}

export class AgentLink {
  private ws: WebSocket | null = null
  private vad: VoiceActivity | null = null
  private stt: SpeechToText | null = null
  private turn: Turn | null = null
  private voice: VoiceInfo
  private malformed = 0
  private over = false
  /** What may cut each of the app's utterances short, and which a newer reply replaces. */
  private readonly interruptible = new WeakMap<Utterance, Interruptible>()
  private readonly preemptible = new WeakSet<Utterance>()
  private last: Utterance | null = null
  private readonly pcm = new Int16Array(160)
  private readonly settings: AgentSettings

  constructor(private readonly d: AgentLinkDeps) {
    this.settings = d.context.agent
    this.voice = d.context.voice
  }

  async start(): Promise<void> {
    const { url } = this.settings
    this.d.session.onCaller((e) => this.onCaller(e))
    try {
      this.vad = await VoiceActivity.create(this.settings.vad)
    } catch (err) {
      // The call goes on: keys still interrupt, and the app still hears the caller.
      this.d.log.warn({ callSid: this.d.context.callSid, err: { message: (err as Error).message } }, 'no voice activity detection on this call')
    }
    if (this.over) return this.vad?.close()
    if (this.d.stt) this.stt = this.listen(this.d.stt)
    const headers = this.d.signingSecret ? { [SIGNATURE_HEADER]: signAgentUrl(this.d.signingSecret, url) } : {}
    const ws = new WebSocket(url, { headers, handshakeTimeout: CONNECT_TIMEOUT_MS, maxPayload: 1024 * 1024, perMessageDeflate: false })
    this.ws = ws
    ws.on('open', () => this.opened())
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary))
    ws.on('error', (err) => this.d.log.warn({ callSid: this.d.context.callSid, err: { message: err.message } }, 'agent socket error'))
    ws.on('close', (code) => this.fail(`agent socket closed (${code})`))
  }

  /** The call is over: the socket closes and nothing more is said. */
  close(): void {
    this.stop()
    if (this.ws && this.ws.readyState <= OPEN) this.ws.close(1000, 'call ended')
  }

  /** Nothing more is heard from the caller or the app. */
  private stop(): void {
    this.over = true
    this.vad?.close()
    this.stt?.close()
    this.stt = null
  }

  private listen(settings: { url: string; apiKey?: string }): SpeechToText {
    return new SpeechToText(settings, this.voice.language, {
      interim: (transcript) => {
        if (transcript.split(/\s+/).length >= INTERRUPTING_WORDS) this.bargeIn('speech', performance.now())
      },
      final: (transcript) => this.send({ type: 'prompt', voicePrompt: transcript, lang: this.voice.language, last: true }),
      failed: (why) => {
        // The call goes on without prompts; the app still gets speechStarted and, if asked, audio.
        if (this.stt) this.d.log.warn({ callSid: this.d.context.callSid, why }, 'speech-to-text bridge lost')
        this.stt = null
      },
    })
  }

  private opened(): void {
    const c = this.d.context
    this.send({
      type: 'setup', sessionId: c.callId, callSid: c.callSid, accountSid: this.d.session.accountSid ?? '',
      from: c.from, to: c.to, direction: c.direction, customParameters: this.settings.custom_parameters ?? {},
    })
  }

  private send(m: ServerMessage): void {
    if (this.ws?.readyState === OPEN) this.ws.send(JSON.stringify(m))
  }

  /** The app is gone or unusable: the caller hears the apology, then the call ends. */
  private fail(why: string): void {
    if (this.over) return
    this.stop()
    this.d.log.warn({ callSid: this.d.context.callSid, why }, 'agent lost: apologizing and ending the call')
    if (this.ws && this.ws.readyState <= OPEN) this.ws.close(1011, 'closing')
    try {
      const sorry = this.d.session.say(this.settings.apology ?? this.d.apology, { interrupt: true })
      void sorry.done.then(() => this.d.endCall())
    } catch {
      void this.d.endCall()
    }
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.over) return
    const parsed = parseAgentMessage(data, isBinary)
    if (!parsed.ok) {
      this.send({ type: 'error', description: parsed.description })
      if (++this.malformed >= MAX_MALFORMED) {
        this.ws?.close(1007, 'too many malformed messages')
        this.fail('too many malformed messages')
      }
      return
    }
    this.malformed = 0
    this.handle(parsed.message)
  }

  private handle(m: AgentMessage): void {
    switch (m.type) {
      case 'text':
        return this.text(m)
      case 'language': {
        const voice = this.d.voiceFor(m.ttsLanguage, this.voice)
        if (!voice) return this.send({ type: 'error', description: `no voice speaks ${m.ttsLanguage} here` })
        this.voice = voice
        return this.turn?.stream.setVoice(voice)
      }
      case 'play':
        return this.play(m)
      case 'end':
        return this.end(m.handoffData)
    }
  }

  private text(m: Extract<AgentMessage, { type: 'text' }>): void {
    if (m.lang) {
      const voice = this.d.voiceFor(m.lang, this.voice)
      if (!voice) return this.send({ type: 'error', description: `no voice speaks ${m.lang} here` })
      this.voice = voice
      this.turn?.stream.setVoice(voice)
    }
    // A reply cut short (by the caller or the API) is over: what follows is a new one.
    const turn = this.turn && !this.turn.utterance.settled ? this.turn : this.begin(m)
    if (!turn) return
    turn.text += m.token
    turn.feed.push(...turn.stream.push(m.token))
    if (m.last) {
      turn.feed.push(...turn.stream.flush())
      turn.feed.end()
      this.turn = null
    }
  }

  /** A new reply: it replaces a preemptible one still playing, and is spoken as it arrives. */
  private begin(m: Extract<AgentMessage, { type: 'text' }>): Turn | null {
    const { utterance: playing } = this.d.session.hearingAt(performance.now())
    if (playing && this.preemptible.has(playing)) this.d.session.clear('api')
    const feed = new SegmentFeed()
    let utterance: Utterance
    try {
      utterance = this.d.session.say('', { voice: this.voice, timed: true, feed })
    } catch (err) {
      this.send({ type: 'error', description: (err as Error).message })
      return null
    }
    this.interruptible.set(utterance, m.interruptible ?? this.settings.interruptible ?? 'any')
    if (m.preemptible) this.preemptible.add(utterance)
    const turn: Turn = { stream: new TextStream(this.voice, 1), feed, utterance, text: '' }
    this.last = utterance
    void utterance.done.then((o) => o === 'played' && this.send({ type: 'played', text: turn.text }))
    this.turn = turn
    return turn
  }

  /** A recording, queued in order with the replies; 0 loops: until interrupted (a thousand at most). */
  private play(m: Extract<AgentMessage, { type: 'play' }>): void {
    const clip = this.d.clips.get(m.source)
    clip.catch((err: Error) => this.send({ type: 'error', description: `could not play ${m.source}: ${err.message}` }))
    try {
      const u = this.d.session.say('', { clip: { clip, loops: m.loop || 1000 } })
      this.interruptible.set(u, m.interruptible ?? this.settings.interruptible ?? 'any')
      this.last = u
    } catch (err) {
      this.send({ type: 'error', description: (err as Error).message })
    }
  }

  /** The app is done: what it said is heard to the end, then the call is handed off or hung up. */
  private end(handoffData?: string): void {
    this.stop()
    this.turn?.feed.push(...this.turn.stream.flush())
    this.turn?.feed.end()
    this.turn = null
    this.ws?.close(1000, 'ended')
    const handoff = this.settings.handoff_url ? { url: this.settings.handoff_url, data: handoffData } : undefined
    void (this.last?.done ?? Promise.resolve()).then(() => this.d.endCall(handoff))
  }

  private onCaller(e: CallerEvent): void {
    if (this.over) return
    if (e.event === 'dtmf') {
      this.send({ type: 'dtmf', digit: e.dtmf.digit })
      return this.bargeIn('dtmf', performance.now())
    }
    const timestamp = Number(e.media.timestamp)
    if (this.settings.forward_audio) this.send({ type: 'audio', payload: e.media.payload, timestamp })
    const bytes = Buffer.from(e.media.payload, 'base64')
    this.stt?.send(bytes)
    if (bytes.length !== this.pcm.length || !this.vad) return
    const turn = this.vad.push(decodeMulaw(bytes, this.pcm), timestamp)
    if (turn?.kind === 'start') {
      this.send({ type: 'speechStarted' })
      // The caller began speaking when the first frame of the run was sent: that long before this one.
      this.bargeIn('speech', performance.now() - Math.max(0, timestamp - turn.onsetMs))
    } else if (turn?.kind === 'stop') this.send({ type: 'speechStopped' })
  }

  /** The caller cut in at `at` (performance.now()): stop talking, and tell the app what was heard by then. */
  private bargeIn(source: Exclude<BargeInSource, 'api'>, at: number): void {
    const { utterance, frame } = this.d.session.hearingAt(at)
    if (!utterance || !interruptsOn(this.interruptible.get(utterance) ?? this.settings.interruptible, source)) return
    const heard = utterance.heardBy(frame)
    this.d.session.clear(source)
    this.send({ type: 'interrupt', utteranceUntilInterrupt: heard.text, durationUntilInterruptMs: heard.ms })
  }
}
