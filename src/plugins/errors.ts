// Every failure leaves in one JSON shape: {"error":{"code","message","request_id"}}. Errors we
// raise on purpose (ApiError) say what they mean; Fastify's own 4xx errors (bad JSON, body too
// large, wrong content type, schema validation) are mapped to our codes; anything else is a 500
// with a generic message: the real one, and its stack, go only to the log.
import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import { isUtf8 } from 'node:buffer'
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError, errorBody, type ErrorCode } from '../errors.js'
import { DatabaseUnavailableError } from '../store/db.js'
import { UnknownVoiceError } from '../speech/synthesizer.js'
import { global } from './global.js'
import { ErrorResponse } from '../http/schemas.js'

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

/**
 * Node's own refusals, before there is a request (headers or body too slow, headers too large,
 * unparsable HTTP): answered in our shape with a fresh request id, then the socket is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [status, code, message]: [number, ErrorCode, string] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request_timeout', 'The request was not received in time']
      : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers_too_large', 'The request headers are too large']
        : [400, 'bad_request', 'The request is not valid HTTP']
  // A request already answered (refused before its body was read) gets no second answer.
  const answered = (socket as Socket & { _httpMessage?: { headersSent: boolean } })._httpMessage?.headersSent
  if (socket.writable && !answered) socket.write(rawError(status, code, message))
  socket.destroy()
}

/** A whole HTTP response in the error shape, for a socket that has no Fastify reply. */
export function rawError(status: number, code: ErrorCode, message: string, headers = ''): string {
  const body = JSON.stringify(errorBody(code, message, randomUUID()))
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n${headers}Connection: close\r\n\r\n${body}`
}

const NOT_UTF8 = 'The request is not valid UTF-8'

export default global(async (app, opts: { bodyLimit: number }) => {
  app.addSchema(ErrorResponse)
  // The API takes JSON only; Fastify's default text/plain parser would turn any text into a body
  // that then fails validation with a misleading message.
  app.removeContentTypeParser('text/plain')
  // JSON is UTF-8 (RFC 8259). Decoding bad bytes into U+FFFD would store something the client
  // never sent; refuse them instead, then parse as Fastify does (with its prototype-poisoning guard).
  // A bodiless POST (/v1/calls/:sid/clear, …) from a client that always sends
  // content-type: application/json has no body to parse: that is no body, not bad JSON. A route
  // that needs one still refuses it, by its schema.
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    if ((body as Buffer).length === 0) return done(null, undefined)
    if (!isUtf8(body as Buffer)) return done(new ApiError('invalid_json', NOT_UTF8), undefined)
    parseJson(request, (body as Buffer).toString('utf8'), done)
  })
  // The same for percent-encoded query strings (%C0%AF decodes to no character at all). A lone
  // "%" is left to the query parser, which keeps it as it is.
  app.addHook('onRequest', async (request) => {
    const url = request.raw.url!
    const q = url.indexOf('?')
    if (q < 0 || !url.includes('%', q)) return
    try {
      decodeURIComponent(url.slice(q + 1).replace(/%(?![0-9A-Fa-f]{2})/g, '%25'))
    } catch {
      throw new ApiError('bad_request', NOT_UTF8)
    }
  })

  app.setErrorHandler((err: FastifyError, request, reply) => {
    // The client left and its synthesis was cancelled: nothing failed and nobody is listening.
    if (err.name === 'AbortError' && (reply.raw.destroyed || request.raw.destroyed)) {
      request.log.info('client closed the request')
      return void reply.raw.destroy()
    }
    const m = map(err, opts.bodyLimit)
    // An ApiError is a refusal we chose (Twilio not set up, shutting down): logged as one, whatever
    // its status. Only what we did not choose is a failure, with its stack.
    if (m.status < 500 || err instanceof ApiError) request.log.info({ code: m.code, status: m.status }, 'request refused')
    else if (err instanceof DatabaseUnavailableError) request.log.warn({ err: { message: err.message } }, 'database unavailable')
    else request.log.error({ err }, 'request failed')
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
