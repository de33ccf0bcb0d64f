// Calls through the API: place one, speak into a live one, cut it short, hang up, look at it and
// read its transcript.
// A key with the `calls` scope sees the calls it placed and every inbound call; `admin` sees all.
import { Type, type Static } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../config.js'
import { ApiError } from '../errors.js'
import { AgentSchema, checkAgentGreeting } from '../http/agent-schema.js'
import { AssistantSchema } from '../http/assistant-schema.js'
import { E164, errorRef, keySecurity, protectedErrors, VoiceRef } from '../http/schemas.js'
import { checkSpeakable } from '../http/read-text.js'
import { CallCapError, applyStatus, attachCallSid, createOutbound, failCall, findCall, isLive, listCalls, type Call } from '../store/calls.js'
import type { ApiKey } from '../store/keys.js'
import { transcript } from '../store/transcripts.js'
import { CommandError, type LiveInfo } from '../telephony/call-hub.js'
import { TwilioApiError } from '../telephony/rest.js'
import { mintStreamToken, streamUrl } from '../telephony/signature.js'
import { streamTwiml } from '../telephony/twiml.js'
import { MEDIA_PATH } from './twilio.js'

const CallSidParam = Type.Object({ callSid: Type.String({ pattern: '^CA[0-9a-fA-F]{32}$' }) })

export const CallView = Type.Object({
  call_sid: Type.Union([Type.String(), Type.Null()]),
  id: Type.String(),
  direction: Type.String(),
  from: Type.Union([Type.String(), Type.Null()]),
  to: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  voice_id: Type.String(),
  agent: Type.Union([AgentSchema, Type.Null()]),
  assistant: Type.Union([AssistantSchema, Type.Null()]),
  live: Type.Boolean({ description: 'A media stream is open on the call now' }),
  frames_sent: Type.Integer({ description: '20 ms frames sent to the caller' }),
  ms_played: Type.Integer({ description: 'Audio the caller has heard, as told by echoed marks' }),
  model_input_tokens: Type.Integer({ description: "Tokens the assistant's model read on the call" }),
  model_output_tokens: Type.Integer({ description: "Tokens the assistant's model wrote on the call" }),
  created_at: Type.String(),
  ended_at: Type.Union([Type.String(), Type.Null()]),
})

export function view(call: Call, live: LiveInfo | null) {
  return {
    call_sid: call.callSid,
    id: call.id,
    direction: call.direction,
    from: call.from,
    to: call.to,
    status: call.status,
    voice_id: call.voice,
    agent: call.agent,
    assistant: call.assistant,
    live: live !== null,
    frames_sent: live?.framesSent ?? call.framesSent,
    ms_played: live?.msPlayed ?? call.msPlayed,
    model_input_tokens: call.modelInputTokens,
    model_output_tokens: call.modelOutputTokens,
    created_at: call.createdAt.toISOString(),
    ended_at: call.endedAt?.toISOString() ?? null,
  }
}

/** A `calls` key sees the calls it placed and every inbound call; `admin` sees all. */
export const maySee = (key: ApiKey, call: Call) => key.scopes.includes('admin') || call.keyId === null || call.keyId === key.id

export default async function callsRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const { hub } = app.telephony
  const Text = Type.String({ minLength: 1, maxLength: config.maxTextChars })

  /** The call, if this key may see it; 404 otherwise (a key learns nothing of others' calls). */
  async function visible(request: FastifyRequest, callSid: string): Promise<Call> {
    const call = await findCall(app.db, callSid)
    if (!call || !maySee(request.apiKey!, call)) {
      throw new ApiError('not_found', `No call ${callSid}`)
    }
    return call
  }

  /** Characters spoken on a call count against the key's monthly quota, as in /v1/tts. */
  async function charge(request: FastifyRequest, text: string, voice: string): Promise<void> {
    Object.assign(request.meter!, { voice, format: 'call' })
    // Refused here; the call's speaker reads it where the call is held.
    checkSpeakable(app, text, app.voices.get(voice).info)
    await request.meter!.charge(text)
  }

  const voiceSlug = (voiceId: string | undefined) => app.voices.get(voiceId ?? config.calls.defaultVoice).slug

  /** Live with a stream begun: only then can an instance hold it (no one is asked otherwise). */
  const streaming = (call: Call) => isLive(call) && call.streamSid !== null
  const notLive = (callSid: string) => new ApiError('call_not_live', `Call ${callSid} has no live media stream`)

  function commandError(err: unknown): never {
    if (err instanceof CommandError) {
      throw err.code === 'queue_full' ? new ApiError('rate_limited', err.message, { 'retry-after': 1 }) : new ApiError('voice_not_found', err.message)
    }
    throw err
  }

  const PlaceBody = Type.Object({
    to: E164('E.164 number to call; must match ALLOWED_DIAL_PREFIXES'),
    from: Type.Optional(E164('Your Twilio number; TWILIO_PHONE_NUMBER by default')),
    text: Type.Optional({ ...Text, description: 'What the call says; required without an agent' }),
    voice_id: Type.Optional(VoiceRef),
    agent: Type.Optional(AgentSchema),
  }, { additionalProperties: false })

  app.post<{ Body: Static<typeof PlaceBody> }>('/v1/calls', {
    onRequest: app.requireKey('calls'),
    schema: {
      summary: 'Place a call that speaks the text, or that an agent converses on', tags: ['calls'], security: keySecurity, body: PlaceBody,
      response: { 201: CallView, 404: errorRef, 409: errorRef, 502: errorRef, ...protectedErrors },
    },
  }, async (request, reply) => {
    const { api, tokenKey } = app.telephony
    const base = config.publicBaseUrl
    if (!api || !tokenKey || !base) throw new ApiError('unavailable', 'Outbound calls are not set up here: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL')
    const { to, agent } = request.body
    const voice = app.voices.get(request.body.voice_id ?? config.calls.defaultVoice)
    checkAgentGreeting(app, request.body.text, agent, voice.info, 'text')
    const text = request.body.text ?? agent?.welcome_greeting ?? null
    // Toll fraud: a leaked key must not be able to dial premium numbers abroad.
    if (!config.calls.allowedDialPrefixes.some((p) => to.startsWith(p))) {
      throw new ApiError('forbidden', `Calls to ${to} are not allowed here (ALLOWED_DIAL_PREFIXES)`)
    }
    const from = request.body.from ?? config.twilio.phoneNumber
    if (!from) throw new ApiError('validation_failed', 'from is required: no TWILIO_PHONE_NUMBER is set')
    // Before anything is charged or dialled: a 503 with Retry-After when the pool is at capacity.
    app.admission.check('outbound', voice.info)
    if (text !== null) await charge(request, text, voice.slug)
    let call: Call
    try {
      call = await createOutbound(app.db, { keyId: request.apiKey!.id, from, to, text, voice: voice.slug, bargeInDigit: config.calls.bargeInDigit, agent: agent ?? null }, config.calls.maxPerKey)
    } catch (err) {
      if (!(err instanceof CallCapError)) throw err
      app.metrics.rateLimited.inc({ limit: 'calls' })
      throw new ApiError('rate_limited', `This key already has ${err.live} live calls (limit ${config.calls.maxPerKey})`, { 'retry-after': 5 })
    }
    app.admission.hold(call.id, voice.info)
    const twiml = streamTwiml(streamUrl(base, MEDIA_PATH), { call: call.id, token: mintStreamToken(tokenKey, call.id, config.calls.streamTokenTtlS) })
    if (text !== null) app.telephony.hints.remember(call.id, { text, voice: voice.slug })
    try {
      const placed = await api.place({ to, from, twiml, statusCallback: `${base}/twilio/status?ref=${call.id}` })
      await attachCallSid(app.db, call.id, placed.sid, placed.status)
      call = { ...call, callSid: placed.sid, status: placed.status }
    } catch (err) {
      // Not placed: the row must not hold a place under the key's cap, nor on the pool.
      app.admission.drop(call.id)
      await failCall(app.db, call.id).catch(() => {})
      if (!(err instanceof TwilioApiError)) throw err
      request.log.warn({ status: err.status, code: err.code }, 'twilio refused an outbound call')
      if (err.status === 400) throw new ApiError('bad_request', `Twilio refused the call: ${err.message}`)
      throw new ApiError('bad_gateway', 'Twilio could not place the call; try again later')
    }
    return reply.code(201).send(view(call, null))
  })

  // Query strings are not coerced here (the app's ajv has coerceTypes off): numbers and booleans
  // arrive as text and are checked as such.
  app.get<{ Querystring: { limit?: string; live?: 'true' | 'false' } }>('/v1/calls', {
    onRequest: app.requireKey('calls'),
    schema: {
      summary: 'Recent calls, newest first', tags: ['calls'], security: keySecurity,
      querystring: Type.Object({
        limit: Type.Optional(Type.String({ pattern: '^(200|1[0-9]{2}|[1-9][0-9]?)$', description: '1 to 200; 50 by default' })),
        live: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'true: only calls not yet over' })),
      }),
      response: { 200: Type.Object({ calls: Type.Array(CallView) }), ...protectedErrors },
    },
  }, async (request) => {
    const key = request.apiKey!
    const { limit = '50', live } = request.query
    const calls = await listCalls(app.db, { keyId: key.scopes.includes('admin') ? undefined : key.id, limit: Number(limit), liveOnly: live === 'true' })
    return { calls: calls.map((c) => view(c, c.callSid ? hub.local(c.callSid)?.info() ?? null : null)) }
  })

  app.get<{ Params: Static<typeof CallSidParam> }>('/v1/calls/:callSid', {
    onRequest: app.requireKey('calls'),
    schema: {
      summary: 'One call: status, frames sent, audio heard', tags: ['calls'], security: keySecurity, params: CallSidParam,
      response: { 200: CallView, 404: errorRef, ...protectedErrors },
    },
  }, async (request) => {
    const call = await visible(request, request.params.callSid)
    return view(call, streaming(call) ? await hub.info(call.callSid!) : null)
  })

  const TranscriptView = Type.Object({
    call_sid: Type.String(),
    turns: Type.Array(Type.Object({
      speaker: Type.Union([Type.Literal('caller'), Type.Literal('agent')]),
      text: Type.String({ description: "The caller's words as transcribed, or all the agent wrote" }),
      heard: Type.Union([Type.String(), Type.Null()], { description: "The agent's: what the caller heard of it (all of it once played)" }),
      outcome: Type.Union([Type.String(), Type.Null()], { description: "The agent's: played, interrupted (the caller cut in), or ended (the call did)" }),
      at: Type.String({ description: 'When the turn began' }),
    })),
  })

  app.get<{ Params: Static<typeof CallSidParam> }>('/v1/calls/:callSid/transcript', {
    onRequest: app.requireKey('calls'),
    schema: {
      summary: 'What was said on a call with an agent or assistant', description: 'Both sides, in the order they spoke; turns are added as they end, so a live call\'s transcript grows.',
      tags: ['calls'], security: keySecurity, params: CallSidParam, response: { 200: TranscriptView, 404: errorRef, ...protectedErrors },
    },
  }, async (request) => {
    const call = await visible(request, request.params.callSid)
    const turns = await transcript(app.db, call.id)
    return { call_sid: call.callSid!, turns: turns.map((t) => ({ ...t, at: t.at.toISOString() })) }
  })

  const SayBody = Type.Object({
    text: Text,
    voice_id: Type.Optional(VoiceRef),
    interrupt: Type.Optional(Type.Boolean({ default: false, description: 'Clear what is playing and queued first' })),
  }, { additionalProperties: false })
  const SayResult = Type.Object({
    utterance_id: Type.Integer(),
    status: Type.Union(['queued', 'played', 'interrupted', 'ended', 'failed'].map((s) => Type.Literal(s))),
    heard: Type.Optional(Type.String({ description: 'With ?wait=played: the words the caller heard to their end (all of them once played)' })),
    marks: Type.Optional(Type.Array(Type.String(), { description: 'With ?wait=played and SSML <mark>s: the names of those the caller heard up to' })),
  })

  app.post<{ Params: Static<typeof CallSidParam>; Body: Static<typeof SayBody>; Querystring: { wait?: 'played' } }>('/v1/calls/:callSid/say', {
    onRequest: app.requireKey('calls'),
    schema: {
      summary: 'Speak on a live call', description: 'Queued behind what is playing, or in its place with `interrupt`. With `?wait=played` the answer comes once the caller has heard it all (or it was cut short).',
      tags: ['calls'], security: keySecurity, params: CallSidParam, body: SayBody,
      querystring: Type.Object({ wait: Type.Optional(Type.Literal('played')) }),
      response: { 200: SayResult, 202: SayResult, 404: errorRef, 409: errorRef, ...protectedErrors },
    },
  }, async (request, reply) => {
    const { callSid } = request.params
    const call = await visible(request, callSid)
    if (!streaming(call)) throw notLive(callSid)
    const voice = request.body.voice_id === undefined ? undefined : voiceSlug(request.body.voice_id)
    await charge(request, request.body.text, voice ?? call.voice)
    const wait = request.query.wait === 'played'
    const result = await hub.say(callSid, { text: request.body.text, voice, interrupt: request.body.interrupt, wait }).catch(commandError)
    if (!result) throw notLive(callSid)
    return reply.code(wait ? 200 : 202).send({ utterance_id: result.utterance, status: result.outcome ?? 'queued', heard: result.heard, marks: result.marks })
  })

  app.post<{ Params: Static<typeof CallSidParam> }>('/v1/calls/:callSid/clear', {
    onRequest: app.requireKey('calls'),
    schema: {
      summary: 'Stop what a live call is saying', tags: ['calls'], security: keySecurity, params: CallSidParam,
      response: { 200: Type.Object({ cleared: Type.Boolean() }), 404: errorRef, 409: errorRef, ...protectedErrors },
    },
  }, async (request) => {
    const { callSid } = request.params
    const call = await visible(request, callSid)
    if (!streaming(call) || !(await hub.clear(callSid))) throw notLive(callSid)
    return { cleared: true }
  })

  app.post<{ Params: Static<typeof CallSidParam> }>('/v1/calls/:callSid/hangup', {
    onRequest: app.requireKey('calls'),
    schema: {
      summary: 'End a call', tags: ['calls'], security: keySecurity, params: CallSidParam,
      response: { 200: Type.Object({ status: Type.String() }), 404: errorRef, 502: errorRef, ...protectedErrors },
    },
  }, async (request, reply) => {
    const { callSid } = request.params
    const call = await visible(request, callSid)
    const api = app.telephony.api
    if (!api) throw new ApiError('unavailable', 'Twilio is not set up here: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN')
    if (isLive(call)) {
      try {
        await api.hangup(callSid) // 'ended' (20404) means Twilio had already ended it: the same outcome
      } catch (err) {
        if (!(err instanceof TwilioApiError)) throw err
        request.log.warn({ status: err.status, code: err.code }, 'twilio refused a hang-up')
        throw new ApiError('bad_gateway', 'Twilio could not end the call; try again')
      }
      await applyStatus(app.db, { callSid, status: 'completed' })
      await hub.close(callSid).catch(() => false)
      return { status: 'completed' }
    }
    return { status: call.status }
  })
}
