// A media stream that reached us becomes a call session: its start is checked against the token
// minted in the TwiML and against the database (the call must be live), what it says is looked up,
// the agent app or built-in assistant that converses on it is brought in, and its end, transcript
// and model usage are written back to the call's row.
import type { WebSocket } from 'ws'
import type { AssistantConfig, CallsConfig } from '../config.js'
import type { Queryable } from '../store/db.js'
import { addModelUsage, streamEnded, streamStarted } from '../store/calls.js'
import { addTranscriptEntry, type TranscriptEntry } from '../store/transcripts.js'
import type { Synthesizer } from '../speech/synthesizer.js'
import { CallSession, type CallMetrics } from './call-session.js'
import { StreamRefused, type CallContext } from './call-context.js'
import type { CallHub } from './call-hub.js'
import type { StartMessage } from './media-stream.js'
import { checkStreamToken } from './signature.js'
import type { StartHints } from './start-hints.js'
import { AgentLink, type LinkSettings } from './agent/link.js'
import type { ClipCache } from './agent/clips.js'
import { socketPeer, type AgentPeer, type PeerEvents } from './agent/peer.js'
import { Assistant, type AssistantMetrics } from './assistant/assistant.js'
import type { ChatModel } from './assistant/model.js'
import type { Provider } from './assistant/settings.js'
import type { CallsApi } from './rest.js'
import type { VoiceInfo } from '../speech/engine.js'
import type { Admission } from '../speech/admission.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export interface SessionDeps {
  db: Queryable
  synth: Synthesizer
  /** Counts the call as live speech while it lasts (the webhook admitted it). */
  admission: Admission
  hub: CallHub
  hints: StartHints
  tokenKey: Buffer
  metrics: CallMetrics
  calls: CallsConfig
  assistant: AssistantConfig
  /** The assistant's models, by provider: those with a key set. */
  models: Partial<Record<Provider, ChatModel>>
  assistantMetrics: AssistantMetrics
  clips: ClipCache
  /** Twilio's REST API, for an agent's end (hang up or hand off); null when not configured. */
  api: CallsApi | null
  log: { info(o: object, m: string): void; warn(o: object, m: string): void }
}

export function openCallSession(socket: WebSocket, d: SessionDeps): CallSession {
  /** What this instance expects the call to say, once the token is known good; see StartHints. */
  function preview(start: StartMessage) {
    const { call, token } = start.start.customParameters
    if (typeof call !== 'string' || !checkStreamToken(d.tokenKey, call, token).ok) return null
    const hint = d.hints.take(call)
    const voice = hint ? d.synth.voice(hint.voice) : undefined
    return hint && voice ? { text: hint.text, voice } : null
  }

  async function authorize(start: StartMessage): Promise<CallContext> {
    const { call, token } = start.start.customParameters
    if (typeof call !== 'string' || !UUID.test(call)) throw new StreamRefused('missing call parameter')
    const check = checkStreamToken(d.tokenKey, call, token)
    if (!check.ok) throw new StreamRefused(`stream token ${check.reason}`)
    const row = await streamStarted(d.db, call, start.start.callSid, start.streamSid)
    if (!row) throw new StreamRefused('call is not live')
    const voice = d.synth.voice(row.voice) ?? d.synth.voice(d.calls.defaultVoice)
    if (!voice) throw new Error(`no voice "${row.voice}" on this instance`)
    return {
      callId: row.id, callSid: start.start.callSid, text: row.text, voice, from: row.from, to: row.to, direction: row.direction,
      agent: row.agent, assistant: row.assistant,
      // With an agent, keys interrupt as its `interruptible` says (and the app hears every key).
      bargeInDigit: row.agent || row.assistant ? null : row.bargeInDigit,
    }
  }

  /** A voice for a language tag: the same engine first, the exact tag before its language alone. */
  function voiceFor(tag: string, current: VoiceInfo): VoiceInfo | undefined {
    const want = tag.toLowerCase()
    const base = want.split('-')[0]
    const voices = d.synth.voices().sort((a, b) => Number(b.engine === current.engine) - Number(a.engine === current.engine))
    return voices.find((v) => v.language.toLowerCase() === want) ?? voices.find((v) => v.language.toLowerCase().split('-')[0] === base)
  }

  async function endCall(session: CallSession, twiml?: string): Promise<void> {
    const sid = session.callSid
    try {
      if (d.api && sid) await (twiml ? d.api.redirect(sid, twiml) : d.api.hangup(sid))
    } catch (err) {
      d.log.warn({ err: { message: (err as Error).message }, callSid: sid }, 'could not end or hand off an agent\'s call')
    }
    session.close(1000, twiml ? 'handed off' : 'ended by the agent')
  }

  /** The call's agent: the app's socket, or the built-in assistant speaking to the link in-process. */
  function agentPeer(ctx: CallContext, events: PeerEvents): AgentPeer {
    const log = { warn: (o: object, m: string) => d.log.warn({ ...o, callSid: ctx.callSid }, m) }
    if (ctx.agent) return socketPeer(ctx.agent.url, d.calls.agentSigningSecret, events, log)
    const settings = ctx.assistant!
    const model = d.models[settings.provider]
    if (!model) {
      // Its key was taken away after the number was set: as an app that cannot be reached.
      queueMicrotask(() => events.closed(`no ${settings.provider} API key is configured`))
      return { send: () => {}, close: () => {} }
    }
    return new Assistant({
      settings, model, timeoutMs: d.assistant.timeoutMs, maxTokens: d.assistant.maxTokens, apology: d.calls.agentApology, goodbye: d.calls.idleGoodbye, log,
      usage: (input, output) => {
        d.assistantMetrics.tokens(settings.provider, input, output)
        addModelUsage(d.db, ctx.callId, input, output).catch((err) => log.warn({ err: { message: (err as Error).message } }, 'could not record the model\'s usage'))
      },
      replied: (outcome) => d.assistantMetrics.replied(settings.provider, outcome),
    }, events)
  }

  /** Entries are written one after another, so that the table's order is the conversation's. */
  function transcriptWriter(ctx: CallContext): (e: TranscriptEntry) => void {
    let written = Promise.resolve()
    return (e) => {
      written = written.then(() => addTranscriptEntry(d.db, ctx.callId, e)).catch((err) =>
        d.log.warn({ err: { message: (err as Error).message }, callSid: ctx.callSid }, 'could not record a turn of the transcript'))
    }
  }

  let agent: AgentLink | null = null
  let leave = () => {}

  return new CallSession(socket, {
    synth: d.synth,
    authorize,
    preview,
    metrics: d.metrics,
    log: d.log,
    sendAheadMs: d.calls.sendAheadMs,
    idleTimeoutMs: d.calls.idleTimeoutMs,
    idleGoodbye: d.calls.idleGoodbye,
    onLive: (session) => {
      d.hub.add(session)
      const ctx = session.context!
      leave = d.admission.start(ctx.voice, ctx.callId)
      if (!ctx.agent && !ctx.assistant) return
      // The assistant is interrupted by anything, as an app is by default, and says its own apology.
      const settings: LinkSettings = ctx.agent ?? { apology: ctx.assistant!.apology }
      agent = new AgentLink({
        session, context: ctx, settings, connect: (events) => agentPeer(ctx, events), apology: d.calls.agentApology, stt: d.calls.stt,
        language: ctx.assistant?.language, deafWithoutStt: Boolean(ctx.assistant), clips: d.clips, transcript: transcriptWriter(ctx),
        endCall: (twiml) => endCall(session, twiml), voiceFor, log: d.log,
      })
      void agent.start()
    },
    onEnded: (session) => {
      agent?.close()
      leave()
      d.hub.remove(session)
      const ctx = session.context
      if (ctx) {
        streamEnded(d.db, ctx.callId, session.framesSent, session.msPlayed).catch((err) =>
          d.log.warn({ err: { message: (err as Error).message }, callSid: ctx.callSid }, 'could not record the end of a call'),
        )
      }
    },
  })
}
