// Twilio's side of a call: the voice webhook (answers with TwiML that opens a media stream),
// status callbacks, and the media stream itself. Every request must carry Twilio's signature over
// the public URL; a stream must also present the token minted for its call in the TwiML.
import { Type, type Static } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../config.js'
import { ApiError } from '../errors.js'
import { safeUrl } from '../plugins/logging.js'
import { applyStatus, isCallStatus, isLive, recordInbound } from '../store/calls.js'
import { getNumber } from '../store/numbers.js'
import { openCallSession } from '../telephony/open-session.js'
import { ClipCache } from '../telephony/agent/clips.js'
import { mintStreamToken, streamUrl, validStreamUpgrade, validWebhook } from '../telephony/signature.js'
import { busyTwiml, hangupTwiml, streamTwiml } from '../telephony/twiml.js'
import { Refused } from '../speech/admission.js'

export const MEDIA_PATH = '/twilio/media'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const Sid = Type.String({ pattern: '^[A-Za-z0-9]{2,64}$' })

const VoiceWebhook = Type.Object({
  CallSid: Sid,
  From: Type.Optional(Type.String({ maxLength: 64 })),
  To: Type.Optional(Type.String({ maxLength: 64 })),
  CallStatus: Type.Optional(Type.String({ maxLength: 32 })),
  Direction: Type.Optional(Type.String({ maxLength: 32 })),
})

const StatusCallback = Type.Object({
  CallSid: Sid,
  CallStatus: Type.String({ maxLength: 32 }),
})

/** Form fields as Twilio signs them: a repeated name keeps every value. */
function parseForm(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of new URLSearchParams(body)) {
    const had = out[k]
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v]
  }
  return out
}

/** True when `admit` refused (the pool is at capacity). */
function refused(admit: () => void): boolean {
  try {
    admit()
    return false
  } catch (err) {
    if (err instanceof Refused) return true
    throw err
  }
}

const TwilioNotConfigured = () =>
  new ApiError('unavailable', 'Twilio webhooks are not set up here: set TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL')

export default async function twilioRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const { publicBaseUrl } = config
  const authToken = config.twilio.authToken
  const { hub, metrics, hints } = app.telephony
  const key = app.telephony.tokenKey
  const mediaUrl = publicBaseUrl ? streamUrl(publicBaseUrl, MEDIA_PATH) : null
  const clips = new ClipCache()

  // Only this plugin's routes read forms (no @fastify/formbody installed: URLSearchParams does it).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseForm(body as string))
  })

  /** Before validation, so an unsigned request learns nothing about what a valid one looks like. */
  async function signed(request: FastifyRequest): Promise<void> {
    if (!authToken || !publicBaseUrl) throw TwilioNotConfigured()
    const signature = request.headers['x-twilio-signature']
    const params = (request.body ?? {}) as Record<string, string>
    if (!validWebhook(authToken, publicBaseUrl, request.url, typeof signature === 'string' ? signature : undefined, params)) {
      request.log.warn({ url: request.url, checkedAgainst: safeUrl(publicBaseUrl + request.url) }, 'twilio webhook with a missing or wrong signature: it was checked against PUBLIC_BASE_URL + the path, which must be the URL Twilio was given')
      throw new ApiError('forbidden', 'Missing or invalid X-Twilio-Signature')
    }
  }

  const hidden = { hide: true, tags: ['twilio'] }

  app.post<{ Body: Static<typeof VoiceWebhook> }>('/twilio/voice', {
    preValidation: signed,
    schema: { ...hidden, body: VoiceWebhook },
  }, async (request, reply) => {
    const b = request.body
    const number = b.To ? await getNumber(app.db, b.To) : null
    const voice = app.voices.find(number?.voice ?? config.calls.defaultVoice) ?? app.voices.find(config.calls.defaultVoice)
    const digit = number?.bargeInDigit ?? config.calls.bargeInDigit
    const spoken = app.synth.voice(voice?.slug ?? config.calls.defaultVoice)
    const busy = spoken ? refused(() => app.admission.check('call', spoken)) : false
    const call = await recordInbound(app.db, {
      callSid: b.CallSid,
      direction: b.Direction ?? 'inbound',
      from: b.From ?? null,
      to: b.To ?? null,
      // Refused, the call is kept with the status Twilio will report for it.
      status: busy ? 'busy' : isCallStatus(b.CallStatus) ? b.CallStatus : 'ringing',
      // An assistant says its greeting itself, so that what the caller heard of it is known.
      text: number?.assistant ? null : number?.agent ? (number.agent.welcome_greeting ?? null) : (number?.greeting ?? config.calls.greeting),
      voice: voice?.slug ?? config.calls.defaultVoice,
      bargeInDigit: digit === 'none' ? null : digit,
      agent: number?.agent ?? null,
      assistant: number?.assistant ?? null,
    })
    reply.type('text/xml; charset=utf-8')
    if (busy) {
      request.log.warn({ callSid: b.CallSid, load: app.admission.load() }, 'call refused busy: the synthesis pool is at capacity')
      return busyTwiml()
    }
    if (!isLive(call)) return hangupTwiml()
    if (spoken) app.admission.hold(call.id, spoken)
    if (call.text) hints.remember(call.id, { text: call.text, voice: call.voice })
    return streamTwiml(mediaUrl!, { call: call.id, token: mintStreamToken(key!, call.id, config.calls.streamTokenTtlS) })
  })

  app.post<{ Body: Static<typeof StatusCallback>; Querystring: { ref?: string } }>('/twilio/status', {
    preValidation: signed,
    schema: { ...hidden, body: StatusCallback, querystring: Type.Object({ ref: Type.Optional(Type.String({ pattern: UUID.source })) }) },
  }, async (request, reply) => {
    const { CallSid, CallStatus } = request.body
    // An unknown status is Twilio's news, not an error to make it retry.
    if (isCallStatus(CallStatus)) {
      const call = await applyStatus(app.db, { callSid: CallSid, status: CallStatus, id: request.query.ref })
      if (!call) request.log.info({ callSid: CallSid }, 'status callback for a call not recorded here')
      else if (!isLive(call)) app.admission.drop(call.id) // over before its stream started (no answer, busy)
    }
    return reply.code(204).send()
  })

  app.get(MEDIA_PATH, {
    websocket: true,
    schema: hidden,
    // Refused before the upgrade: the request is signed over the wss:// URL, not over what we see.
    onRequest: async (request) => {
      if (!authToken || !mediaUrl || !key) throw TwilioNotConfigured()
      const signature = request.headers['x-twilio-signature']
      if (!validStreamUpgrade(authToken, mediaUrl, typeof signature === 'string' ? signature : undefined)) {
        metrics.protocolError('bad_start')
        request.log.warn('media stream upgrade with a missing or wrong signature')
        throw new ApiError('forbidden', 'Missing or invalid X-Twilio-Signature')
      }
    },
  }, (socket, request) => {
    const { api, models, assistantMetrics } = app.telephony
    openCallSession(socket, {
      db: app.db, synth: app.synth, admission: app.admission, hub, hints, tokenKey: key!, metrics, calls: config.calls, assistant: config.assistant, models, assistantMetrics, api, clips, log: request.log,
    })
  })
}
