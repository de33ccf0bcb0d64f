// The Twilio numbers this service answers: what each says when called, in which voice, which key
// interrupts it, and the agent app or built-in assistant that converses with its callers. An admin
// key only. A number with no entry answers with the defaults (CALL_GREETING, CALL_VOICE, BARGE_IN_DIGIT).
import { Type, type Static } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { ApiError } from '../errors.js'
import { AgentSchema, checkAgentGreeting } from '../http/agent-schema.js'
import { AssistantSchema, checkAssistant } from '../http/assistant-schema.js'
import { E164, errorRef, keySecurity, protectedErrors, VoiceRef } from '../http/schemas.js'
import { deleteNumber, getNumber, listNumbers, putNumber, type PhoneNumber } from '../store/numbers.js'

const E164Param = Type.Object({ e164: E164('The number in E.164, e.g. +15551234567') })
const Digit = Type.Union([Type.String({ pattern: '^[0-9*#]$' }), Type.Literal('none')], {
  description: 'The DTMF key that interrupts speech, or "none"; the service default when absent',
})

const NumberView = Type.Object({
  e164: Type.String(),
  greeting: Type.Union([Type.String(), Type.Null()], { description: 'null with an agent or an assistant: their greeting is said' }),
  voice_id: Type.String(),
  barge_in_digit: Type.Union([Type.String(), Type.Null()], { description: 'null: the service default' }),
  agent: Type.Union([AgentSchema, Type.Null()]),
  assistant: Type.Union([AssistantSchema, Type.Null()]),
  created_at: Type.String(),
  updated_at: Type.String(),
})

const view = (n: PhoneNumber) => ({
  e164: n.e164,
  greeting: n.greeting,
  voice_id: n.voice,
  barge_in_digit: n.bargeInDigit,
  agent: n.agent,
  assistant: n.assistant,
  created_at: n.createdAt.toISOString(),
  updated_at: n.updatedAt.toISOString(),
})

export default async function numbersRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const Body = Type.Object({
    greeting: Type.Optional(Type.String({ minLength: 1, maxLength: config.maxTextChars, description: 'Required without an agent or an assistant' })),
    voice_id: Type.Optional({ ...VoiceRef, description: 'Required unless the assistant names its voice' }),
    barge_in_digit: Type.Optional(Digit),
    agent: Type.Optional(AgentSchema),
    assistant: Type.Optional(AssistantSchema),
  }, { additionalProperties: false })
  const common = { tags: ['numbers'], security: keySecurity, params: E164Param }

  app.put<{ Params: Static<typeof E164Param>; Body: Static<typeof Body> }>('/v1/numbers/:e164', {
    onRequest: app.requireKey('admin'),
    schema: { summary: 'Set what a number says when called', ...common, body: Body, response: { 200: NumberView, 201: NumberView, 404: errorRef, ...protectedErrors } },
  }, async (request, reply) => {
    const { greeting, voice_id, barge_in_digit, agent, assistant } = request.body
    if (assistant?.voice_id && voice_id && assistant.voice_id !== voice_id) throw new ApiError('validation_failed', 'voice_id and assistant.voice_id differ: give the voice once')
    const voiceId = assistant?.voice_id ?? voice_id
    if (!voiceId) throw new ApiError('validation_failed', 'voice_id is required')
    const voice = app.voices.get(voiceId)
    if (assistant) {
      if (agent) throw new ApiError('validation_failed', 'A number is answered by an agent or by an assistant, not both')
      if (greeting !== undefined) throw new ApiError('validation_failed', 'With an assistant, the first words are assistant.greeting, not greeting')
      checkAssistant(app, config, assistant, voice.info)
    } else checkAgentGreeting(app, greeting, agent, voice.info)
    const { number, created } = await putNumber(app.db, {
      e164: request.params.e164, greeting: greeting ?? null, voice: voice.slug, bargeInDigit: barge_in_digit ?? null, agent: agent ?? null, assistant: assistant ?? null,
    })
    return reply.code(created ? 201 : 200).send(view(number))
  })

  app.get('/v1/numbers', {
    onRequest: app.requireKey('admin'),
    schema: { summary: 'Configured numbers', tags: ['numbers'], security: keySecurity, response: { 200: Type.Object({ numbers: Type.Array(NumberView) }), ...protectedErrors } },
  }, async () => ({ numbers: (await listNumbers(app.db)).map(view) }))

  app.get<{ Params: Static<typeof E164Param> }>('/v1/numbers/:e164', {
    onRequest: app.requireKey('admin'),
    schema: { summary: 'One configured number', ...common, response: { 200: NumberView, 404: errorRef, ...protectedErrors } },
  }, async (request) => {
    const number = await getNumber(app.db, request.params.e164)
    if (!number) throw new ApiError('not_found', `No settings for ${request.params.e164}: it answers with the defaults`)
    return view(number)
  })

  app.delete<{ Params: Static<typeof E164Param> }>('/v1/numbers/:e164', {
    onRequest: app.requireKey('admin'),
    schema: { summary: 'Forget a number (it answers with the defaults)', ...common, response: { 204: Type.Null(), 404: errorRef, ...protectedErrors } },
  }, async (request, reply) => {
    if (!(await deleteNumber(app.db, request.params.e164))) throw new ApiError('not_found', `No settings for ${request.params.e164}`)
    return reply.code(204).send()
  })
}
