// One call's agent, spoken to in ConversationRelay's message shapes (protocol.ts): an app behind the
// WebSocket we open when the call's stream goes live, or the built-in assistant (peer.ts). Its text
// is spoken as it streams in, from the first complete clause (speech/text-stream.ts); the caller's
// voice (vad.ts) or keys cut it short, and the agent learns exactly what was heard, as does the
// call's transcript. An agent that cannot be reached, drops, or keeps sending what cannot be read
// leaves the caller an apology, then the call ends: never dead air.
import { decodeMulaw } from '../../audio/g711.js'
import type { VoiceInfo } from '../../speech/engine.js'
import { SegmentFeed } from '../../speech/segment-feed.js'
import { TextStream } from '../../speech/text-stream.js'
import type { BargeInSource, CallContext, CallerEvent } from '../call-context.js'
import type { CallSession } from '../call-session.js'
import type { Utterance } from '../speaker.js'
import { dialTwiml, handoffTwiml } from '../twiml.js'
import { VoiceActivity } from '../vad.js'
import type { TranscriptEntry } from '../../store/transcripts.js'
import type { AgentPeer, PeerEvents } from './peer.js'
import type { AgentMessage, Parsed, ServerMessage } from './protocol.js'
import { interruptsOn, type AgentSettings, type Interruptible } from './settings.js'
import { SpeechToText } from './stt.js'
import type { ClipCache } from './clips.js'

/** As ConversationRelay: this many malformed messages in a row close the socket with 1007. */
const MAX_MALFORMED = 10
/** An interim transcript this many words long cuts the agent short, as the VAD does. */
const INTERRUPTING_WORDS = 3

/** How the agent behaves on the call: an app's settings as the API took them (its URL aside). */
export type LinkSettings = Omit<AgentSettings, 'url' | 'welcome_greeting'>

export interface AgentLinkDeps {
  session: CallSession
  context: CallContext
  settings: LinkSettings
  /** Opens the other end: the app's socket, or the built-in assistant. */
  connect(events: PeerEvents): AgentPeer
  apology: string
  /** Audio the app asks to play, shared by the instance's calls. */
  clips: ClipCache
  /** The speech-to-text bridge (STT_URL): the caller's turns become `prompt` messages. */
  stt?: { url: string; apiKey?: string }
  /** The caller's language for speech-to-text; the voice's when absent. */
  language?: string
  /** The agent hears the caller only through speech-to-text (the built-in assistant). */
  deafWithoutStt?: boolean
  /** Each turn of the conversation once it is over, for the call's transcript. */
  transcript(entry: TranscriptEntry): void
  /** Ends the call: it leaves for this TwiML (a handoff, a transfer) when given, else is hung up. */
  endCall(twiml?: string): Promise<void>
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
  at: Date
}

export class AgentLink {
  private peer: AgentPeer | null = null
  private vad: VoiceActivity | null = null
  private stt: SpeechToText | null = null
  private turn: Turn | null = null
  private voice: VoiceInfo
  private malformed = 0
  private over = false
  /** What may cut each of the app's utterances short, and which a newer reply replaces. */
  private readonly interruptible = new WeakMap<Utterance, Interruptible>()
  private readonly preemptible = new WeakSet<Utterance>()
  /** What the agent was told the caller heard of an utterance the caller cut short. */
  private readonly heardAtBargeIn = new WeakMap<Utterance, string>()
  private last: Utterance | null = null
  private readonly pcm = new Int16Array(160)
  private readonly settings: LinkSettings

  constructor(private readonly d: AgentLinkDeps) {
    this.settings = d.settings
    this.voice = d.context.voice
  }

  async start(): Promise<void> {
    this.d.session.onCaller((e) => this.onCaller(e))
    try {
      this.vad = await VoiceActivity.create(this.settings.vad)
    } catch (err) {
      // The call goes on: keys still interrupt, and the app still hears the caller.
      this.d.log.warn({ callSid: this.d.context.callSid, err: { message: (err as Error).message } }, 'no voice activity detection on this call')
    }
    if (this.over) return this.vad?.close()
    if (this.d.stt) this.stt = this.listen(this.d.stt)
    this.peer = this.d.connect({ opened: () => this.opened(), message: (m) => this.onMessage(m), closed: (why) => this.fail(why) })
  }

  /** The call is over: the agent is let go and nothing more is said. */
  close(): void {
    this.stop()
    this.peer?.close(1000, 'call ended')
  }

  /** Nothing more is heard from the caller or the app. */
  private stop(): void {
    this.over = true
    this.vad?.close()
    this.stt?.close()
    this.stt = null
  }

  private listen(settings: { url: string; apiKey?: string }): SpeechToText {
    return new SpeechToText(settings, this.d.language ?? this.voice.language, {
      interim: (transcript) => {
        if (transcript.split(/\s+/).length >= INTERRUPTING_WORDS) this.bargeIn('speech', performance.now())
      },
      final: (transcript) => {
        const at = new Date()
        // The agent first: its reply is what the caller is waiting for.
        this.send({ type: 'prompt', voicePrompt: transcript, lang: this.d.language ?? this.voice.language, last: true })
        this.d.transcript({ speaker: 'caller', text: transcript, at })
      },
      failed: (why) => {
        if (!this.stt) return
        this.stt = null
        // An agent that hears the caller only through the bridge is deaf without it: the caller
        // would talk to silence. Any other goes on without prompts (speechStarted and, if asked, audio).
        if (this.d.deafWithoutStt) return this.fail(`speech-to-text bridge lost: ${why}`)
        this.d.log.warn({ callSid: this.d.context.callSid, why }, 'speech-to-text bridge lost')
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
    this.peer?.send(m)
  }

  /** The app is gone or unusable: the caller hears the apology, then the call ends. */
  private fail(why: string): void {
    if (this.over) return
    this.stop()
    this.d.log.warn({ callSid: this.d.context.callSid, why }, 'agent lost: apologizing and ending the call')
    this.peer?.close(1011, 'closing')
    try {
      const sorry = this.d.session.say(this.settings.apology ?? this.d.apology, { interrupt: true })
      void sorry.done.then(() => this.d.endCall())
    } catch {
      void this.d.endCall()
    }
  }

  private onMessage(parsed: Parsed): void {
    if (this.over) return
    if (!parsed.ok) {
      this.send({ type: 'error', description: parsed.description })
      if (++this.malformed >= MAX_MALFORMED) {
        this.peer?.close(1007, 'too many malformed messages')
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
        return this.end(m)
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
    const turn: Turn = { stream: new TextStream(this.voice, 1), feed, utterance, text: '', at: new Date() }
    this.last = utterance
    void utterance.done.then((outcome) => {
      if (outcome === 'played') this.send({ type: 'played', text: turn.text })
      if (!turn.text.trim()) return
      const heard = outcome === 'played' ? turn.text : this.heardAtBargeIn.get(utterance) ?? utterance.heard().heard
      this.d.transcript({ speaker: 'agent', text: turn.text, heard, outcome, at: turn.at })
    })
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

  /** The agent is done: what it said is heard to the end, then the call is transferred, handed off or hung up. */
  private end(m: Extract<AgentMessage, { type: 'end' }>): void {
    this.stop()
    this.turn?.feed.push(...this.turn.stream.flush())
    this.turn?.feed.end()
    this.turn = null
    this.peer?.close(1000, 'ended')
    const { handoff_url } = this.settings
    const twiml = m.transferTo ? dialTwiml(m.transferTo) : handoff_url ? handoffTwiml(handoff_url, m.handoffData) : undefined
    void (this.last?.done ?? Promise.resolve()).then(() => this.d.endCall(twiml))
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
    this.heardAtBargeIn.set(utterance, heard.text)
    this.d.session.clear(source)
    this.send({ type: 'interrupt', utteranceUntilInterrupt: heard.text, durationUntilInterruptMs: heard.ms })
  }
}
