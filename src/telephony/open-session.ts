// A media stream that reached us becomes a call session: its start is checked against the token
// minted in the TwiML and against the database (the call must be live), what it says is looked up,
// and its end is written back to the call's row.
import type { WebSocket } from 'ws'
import type { CallsConfig } from '../config.js'
import type { Queryable } from '../store/db.js'
import { streamEnded, streamStarted } from '../store/calls.js'
import type { Synthesizer } from '../speech/synthesizer.js'
import { CallSession, type CallMetrics } from './call-session.js'
import { StreamRefused, type CallContext } from './call-context.js'
import type { CallHub } from './call-hub.js'
import type { StartMessage } from './media-stream.js'
import { checkStreamToken } from './signature.js'
import type { StartHints } from './start-hints.js'
import { AgentLink } from './agent/link.js'
import type { ClipCache } from './agent/clips.js'
import type { CallsApi } from './rest.js'
import { handoffTwiml } from './twiml.js'
import type { VoiceInfo } from '../speech/engine.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export interface SessionDeps {
  db: Queryable
  synth: Synthesizer
  hub: CallHub
  hints: StartHints
  tokenKey: Buffer
  metrics: CallMetrics
  calls: CallsConfig
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
      callId: row.id, callSid: start.start.callSid, text: row.text, voice, from: row.from, to: row.to, direction: row.direction, agent: row.agent,
      // With an agent, keys interrupt as its `interruptible` says (and the app hears every key).
      bargeInDigit: row.agent ? null : row.bargeInDigit,
    }
  }

  /** A voice for a language tag: the same engine first, the exact tag before its language alone. */
  function voiceFor(tag: string, current: VoiceInfo): VoiceInfo | undefined {
    const want = tag.toLowerCase()
    const base = want.split('-')[0]
    const voices = d.synth.voices().sort((a, b) => Number(b.engine === current.engine) - Number(a.engine === current.engine))
    return voices.find((v) => v.language.toLowerCase() === want) ?? voices.find((v) => v.language.toLowerCase().split('-')[0] === base)
  }

  async function endCall(session: CallSession, handoff?: { url: string; data?: string }): Promise<void> {
    const sid = session.callSid
    try {
      if (d.api && sid) await (handoff ? d.api.redirect(sid, handoffTwiml(handoff.url, handoff.data)) : d.api.hangup(sid))
    } catch (err) {
      d.log.warn({ err: { message: (err as Error).message }, callSid: sid }, 'could not end or hand off an agent\'s call')
    }
    session.close(1000, handoff ? 'handed off' : 'ended by the agent')
  }

  let agent: AgentLink | null = null

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
      if (!ctx.agent) return
      agent = new AgentLink({
        session, context: { ...ctx, agent: ctx.agent }, signingSecret: d.calls.agentSigningSecret, apology: d.calls.agentApology, stt: d.calls.stt, clips: d.clips,
        endCall: (handoff) => endCall(session, handoff), voiceFor, log: d.log,
      })
      void agent.start()
    },
    onEnded: (session) => {
      agent?.close()
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
