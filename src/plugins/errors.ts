// Every failure leaves in one JSON shape: {"error":{"code","message","request_id"}}. Errors we
// raise on purpose (ApiError) say what they mean; Fastify's own 4xx errors (bad JSON, body too
// large, wrong content type, schema validation) are mapped to our codes; anything else is a 500
// with a generic message: the real one, and its stack, go only to the log.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError, errorBody, type ErrorCode } from '../errors.js'
import { DatabaseUnavailableError } from '../store/db.js'
import { UnknownVoiceError } from '../speech/synthesizer.js'
import { global } from './global.js'
import { ErrorResponse } from './schemas.js'

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
}

/** SQLSTATEs for text the database cannot store: invalid byte sequence (a NUL), untranslatable character. */
const UNSTORABLE_TEXT = new Set(['22021', '22P05'])

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  invalid_json: 'The request body is not valid JSON',
  unsupported_media_type: 'Unsupported content type: send application/json',
}

interface Mapped {
  status: number
  code: ErrorCode
  message: string
  headers?: Record<string, string | number>
}

function map(err: FastifyError | Error, bodyLimit: number): Mapped {
  if (err instanceof ApiError) return { status: err.status, code: err.code, message: err.message, headers: err.headers }
  if (err instanceof DatabaseUnavailableError) {
    return { status: 503, code: 'unavailable', message: 'The service is temporarily unavailable; retry shortly', headers: { 'retry-after': 5 } }
  }
  // The catalog still listed a voice the engines no longer have (a reload is under way).
  if (err instanceof UnknownVoiceError) return { status: 404, code: 'voice_not_found', message: err.message }
  const fe = err as FastifyError
  if (fe.validation) return { status: 400, code: 'validation_failed', message: validationMessage(fe) }
  // Text PostgreSQL cannot store (U+0000; or a character the server's encoding lacks) came from
  // the client, in a field that passed validation: the client's error, not ours.
  if (fe.code !== undefined && UNSTORABLE_TEXT.has(fe.code)) {
    return { status: 400, code: 'validation_failed', message: 'The request contains a character that cannot be stored (such as U+0000)' }
  }
  const code = fe.code ? FASTIFY_CODES[fe.code] : undefined
  if (code === 'payload_too_large') {
    return { status: 413, code, message: `The request body is larger than ${bodyLimit} bytes` }
  }
  if (code) return { status: fe.statusCode ?? 400, code, message: MESSAGES[code] ?? fe.message }
  // Other 4xx errors from Fastify and its plugins carry messages written for clients.
  const status = fe.statusCode ?? 500
  if (status >= 400 && status < 500) {
    const fallback: ErrorCode = status === 404 ? 'not_found' : status === 429 ? 'rate_limited' : 'bad_request'
    return { status, code: fallback, message: fe.message }
  }
  return { status: 500, code: 'internal', message: 'Internal server error' }
}

/** "body/speed must be <= 2" reads better as "speed must be <= 2". */
function validationMessage(err: FastifyError): string {
  const first = err.validation?.[0]
  if (!first) return err.message
  const where = (first.instancePath || '').replace(/^\//, '').replace(/\//g, '.')
  const params = first.params as Record<string, unknown>
  if (first.keyword === 'required') return `${params.missingProperty} is required`
  if (first.keyword === 'additionalProperties') return `unknown field "${params.additionalProperty}"`
  const subject = where || err.validationContext || 'body'
  if (first.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    return `${subject} must be one of: ${params.allowedValues.join(', ')}`
  }
  return `${subject} ${first.message ?? 'is invalid'}`
}

export function sendError(request: FastifyRequest, reply: FastifyReply, m: Mapped) {
  if (m.headers) reply.headers(m.headers)
  // Sent as a string, so no route's response schema (/health's 503 is a health report) reshapes it.
  return reply.code(m.status).type('application/json; charset=utf-8').send(JSON.stringify(errorBody(m.code, m.message, request.id)))
}

export default global(async (app, opts: { bodyLimit: number }) => {
  app.addSchema(ErrorResponse)
  // The API takes JSON only; Fastify's default text/plain parser would turn any text into a body
  // that then fails validation with a misleading message.
  app.removeContentTypeParser('text/plain')
  // A bodiless POST (/v1/calls/:sid/clear, …) from a client that always sends
  // content-type: application/json has no body to parse: that is no body, not bad JSON. A route
  // that needs one still refuses it, by its schema.
  const parseJson = app.getDefaultJsonParser('error', 'ignore')
  app.removeContentTypeParser('application/json')
  // parseAs: 'string' hands the parser a string (the type allows a Buffer for other settings).
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined)
    parseJson(request, body as string, done)
  })

  app.setErrorHandler((err: FastifyError, request, reply) => {
    // The client left and its synthesis was cancelled: nothing failed and nobody is listening.
    if (err.name === 'AbortError' && (reply.raw.destroyed || request.raw.destroyed)) {
      request.log.info('client closed the request')
      return void reply.raw.destroy()
    }
    const m = map(err, opts.bodyLimit)
    if (m.status >= 500 && !(err instanceof DatabaseUnavailableError)) request.log.error({ err }, 'request failed')
    else if (m.status >= 500) request.log.warn({ err: { message: err.message } }, 'database unavailable')
    else request.log.info({ code: m.code, status: m.status }, 'request refused')
    // The audio may already be streaming: the status line is gone, all we can do is cut it short.
    if (reply.sent || reply.raw.headersSent) return void reply.raw.destroy()
    return sendError(request, reply, m)
  })

  // Fastify's own 503 while closing has another shape; this one answers requests that arrive on
  // kept-alive connections during shutdown in ours (return503OnClosing is off in app.ts).
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return
    reply.header('connection', 'close')
    throw new ApiError('unavailable', 'The server is shutting down; retry shortly', { 'retry-after': 1 })
  })

  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, { status: 404, code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}` }),
  )
})
