// The `agent` object of PUT /v1/numbers/:e164 and POST /v1/calls (telephony/agent/settings.ts).
import { Type } from '@fastify/type-provider-typebox'
import { ApiError } from '../errors.js'
import type { FastifyInstance } from 'fastify'
import type { VoiceInfo } from '../speech/engine.js'
import type { AgentSettings } from '../telephony/agent/settings.js'
import { checkSpeakable } from './read-text.js'

const WsUrl = Type.String({ maxLength: 2000, pattern: '^wss?://[^\\s]+$', description: 'The app\'s WebSocket: wss:// (ws:// for a local app)' })

export const AgentSchema = Type.Object({
  url: WsUrl,
  interruptible: Type.Optional(Type.Union(['none', 'dtmf', 'speech', 'any'].map((s) => Type.Literal(s)), { description: 'What cuts the agent short; any by default' })),
  welcome_greeting: Type.Optional(Type.String({ minLength: 1, maxLength: 5000 })),
  forward_audio: Type.Optional(Type.Boolean({ description: 'Send the caller\'s audio to the app in `audio` messages' })),
  custom_parameters: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 1000 }), { maxProperties: 50 })),
  vad: Type.Optional(Type.Object({
    aggressiveness: Type.Optional(Type.Integer({ minimum: 0, maximum: 3, description: 'WebRTC VAD: 0 takes the most for speech, 3 (the default) the least' })),
    start_ms: Type.Optional(Type.Integer({ minimum: 60, maximum: 2000, description: 'Speech this long is a barge-in (200)' })),
    stop_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 5000, description: 'Silence this long ends the caller\'s turn (600)' })),
  }, { additionalProperties: false })),
  handoff_url: Type.Optional(Type.String({ maxLength: 2000, pattern: '^https?://[^\\s]+$', description: 'TwiML the call goes to on `end`' })),
  apology: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Said when the agent cannot be reached or drops' })),
}, { additionalProperties: false, description: 'Hand the call to an app over a WebSocket (ConversationRelay\'s message shapes)' })

/**
 * A call's first words are its greeting, or with an agent the agent's welcome greeting: one of the
 * two (the agent may also speak first itself). Shared with POST /v1/calls, where `text` is the greeting.
 */
export function checkAgentGreeting(app: FastifyInstance, greeting: string | undefined, agent: AgentSettings | undefined, voice: VoiceInfo, field = 'greeting'): void {
  if (agent && greeting !== undefined) throw new ApiError('validation_failed', `With an agent, the first words are agent.welcome_greeting, not ${field}`)
  if (!agent && greeting === undefined) throw new ApiError('validation_failed', `${field} is required without an agent`)
  const first = greeting ?? agent?.welcome_greeting
  if (first !== undefined) checkSpeakable(app, first, voice, agent ? 'agent.welcome_greeting' : field)
}
