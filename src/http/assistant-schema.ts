// The `assistant` object of PUT /v1/numbers/:e164 (telephony/assistant/settings.ts), and the checks
// the schema cannot make: the provider's key is set, speech-to-text is there to hear the caller,
// and a transfer can be placed.
import { Type } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { ApiError } from '../errors.js'
import type { VoiceInfo } from '../speech/engine.js'
import type { AssistantSettings } from '../telephony/assistant/settings.js'
import { checkSpeakable } from './read-text.js'
import { E164, VoiceRef } from './schemas.js'

export const AssistantSchema = Type.Object({
  provider: Type.Union([Type.Literal('openai'), Type.Literal('anthropic')], { description: 'Whose model: its API key (OPENAI_API_KEY, ANTHROPIC_API_KEY) must be set' }),
  model: Type.String({ minLength: 1, maxLength: 200, description: 'e.g. gpt-4.1-mini, claude-haiku-4-5' }),
  instructions: Type.String({ minLength: 1, maxLength: 20_000, description: 'The system prompt: who it is, opening hours, what it may do' }),
  greeting: Type.String({ minLength: 1, maxLength: 1000, description: 'Its first words when it answers' }),
  voice_id: Type.Optional(VoiceRef),
  max_turns: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'Replies before the call is wrapped up: transferred if it can be, else ended' })),
  transfer_to: Type.Optional(E164('Where transfer_call (and a failing model) puts the caller through, in E.164')),
  language: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$', description: "The caller's language for speech-to-text; the voice's by default" })),
  apology: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Said when the model fails or stalls; AGENT_APOLOGY by default' })),
}, { additionalProperties: false, description: 'Answer with the built-in assistant: an LLM converses with the caller' })

/** What PUT refuses before storing an assistant that could not work on a call. */
export function checkAssistant(app: FastifyInstance, config: Config, a: AssistantSettings, voice: VoiceInfo): void {
  const key = a.provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY'
  if (!app.telephony.models[a.provider]) throw new ApiError('validation_failed', `assistant.provider ${a.provider} needs ${key} set on the service`)
  if (!config.calls.stt) throw new ApiError('validation_failed', 'An assistant hears the caller through speech-to-text: set STT_URL on the service')
  if (a.transfer_to && !app.telephony.api) throw new ApiError('validation_failed', 'assistant.transfer_to needs Twilio\'s API: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN')
  checkSpeakable(app, a.greeting, voice, 'assistant.greeting')
  if (a.apology) checkSpeakable(app, a.apology, voice, 'assistant.apology')
}
