// GET /v1/speak: a WebSocket with Deepgram's streaming text-to-speech message set, so that its SDKs
// and agent frameworks work with only the base URL changed. Everything that can refuse a client
// (key, scope, limits, a bad query) does so before the upgrade, as an HTTP error in our shape.
import { Type, type Static } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Gauge } from 'prom-client'
import type { Config } from '../config.js'
import { ApiError } from '../errors.js'
import { SAMPLE_RATES, type AudioFormat } from '../audio/encoder.js'
import { SPEED } from '../speech/read.js'
import { errorRef, keySecurity, protectedErrors } from '../http/schemas.js'
import { DEFAULT_MODEL, voiceForModel } from '../speak/models.js'
import { SpeakSession } from '../speak/session.js'

const ENCODINGS: Record<string, AudioFormat> = { linear16: 'pcm16', mulaw: 'mulaw', alaw: 'alaw' }

// Query strings are text (the app's ajv does not coerce): numbers are checked by pattern.
const Query = Type.Object({
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: `Our voice slug or uuid, or a Deepgram Aura model (default ${DEFAULT_MODEL})` })),
  encoding: Type.Optional(Type.Union(Object.keys(ENCODINGS).map((e) => Type.Literal(e)), { description: 'linear16 (default), mulaw or alaw; raw, no container' })),
  sample_rate: Type.Optional(Type.Union(SAMPLE_RATES.map((r) => Type.Literal(String(r))), { description: 'Default 24000 for linear16, 8000 for mulaw and alaw' })),
  speed: Type.Optional(Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$', description: `${SPEED.min}–${SPEED.max}` })),
  timestamps: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'true: a Words message after each segment' })),
})

export default async function speakRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const open = new Map<string, number>()
  new Gauge({
    name: 'tts_speak_sockets', help: 'Live /v1/speak sockets on this instance', registers: [app.metrics.registry],
    collect() { this.set([...open.values()].reduce((a, b) => a + b, 0)) },
  })

  /** After the key is known and the query valid: one more socket must fit the key's cap, and the query must name what we have. */
  async function admit(request: FastifyRequest<{ Querystring: Static<typeof Query> }>): Promise<void> {
    const key = request.apiKey!
    if ((open.get(key.id) ?? 0) >= config.speak.socketsPerKey) {
      app.metrics.rateLimited.inc({ limit: 'sockets' })
      throw new ApiError('rate_limited', `This key already has ${config.speak.socketsPerKey} /v1/speak sockets open`, { 'retry-after': 5 })
    }
    const speed = Number(request.query.speed ?? 1)
    if (!(speed >= SPEED.min && speed <= SPEED.max)) throw new ApiError('validation_failed', `speed must be between ${SPEED.min} and ${SPEED.max}`)
    const model = request.query.model ?? DEFAULT_MODEL
    const voice = voiceForModel(app.voices, model)
    if (!voice) throw new ApiError('voice_not_found', `No voice or model "${model}"; GET /v1/voices lists them`)
    // A socket is live speech, as a call is: refused (503, Retry-After) before it could make the others run dry.
    app.admission.check('speak', voice.info)
  }

  app.route<{ Querystring: Static<typeof Query> }>({
    method: 'GET',
    url: '/v1/speak',
    onRequest: [app.requireKey('tts')],
    preHandler: admit,
    schema: {
      summary: 'Stream text in, audio out (WebSocket, Deepgram message set)',
      description: 'Client messages: `Speak` {text}, `Flush`, `Clear`, `Close`. Server: `Metadata`, binary audio, `Flushed`, `Cleared`, `Warning`, and with timestamps=true `Words`.',
      tags: ['tts'],
      security: keySecurity,
      querystring: Query,
      response: { 404: errorRef, 426: errorRef, ...protectedErrors },
    },
    // A plain GET, once the key and query passed: told what this is, rather than a bare 404.
    handler: async () => {
      throw new ApiError('upgrade_required', 'GET /v1/speak is a WebSocket: connect with a WebSocket client (Upgrade: websocket)', { upgrade: 'websocket' })
    },
    wsHandler: (socket, request) => {
      const key = request.apiKey!
      const { encoding = 'linear16', sample_rate, speed = '1', timestamps } = request.query
      const voice = voiceForModel(app.voices, request.query.model ?? DEFAULT_MODEL)!
      const format = ENCODINGS[encoding]
      const sampleRate = Number(sample_rate ?? (format === 'pcm16' ? 24000 : 8000))
      open.set(key.id, (open.get(key.id) ?? 0) + 1)
      const leave = app.admission.start(voice.info)
      socket.send(JSON.stringify({ type: 'Metadata', request_id: request.id, model_name: request.query.model ?? DEFAULT_MODEL, model_version: voice.slug, model_uuid: voice.id }))
      new SpeakSession(socket, {
        synth: app.synth,
        voice,
        format,
        sampleRate,
        speed: Number(speed),
        timestamps: timestamps === 'true',
        limits: config.speak,
        openBill: (group) => app.metering.open({ requestId: `${request.id}:${group}`, key, endpoint: '/v1/speak' }),
        log: request.log,
        onEnded: () => {
          leave()
          const left = (open.get(key.id) ?? 1) - 1
          if (left > 0) open.set(key.id, left)
          else open.delete(key.id)
        },
      })
    },
  })
}
