// One usage record per authenticated request, written when the response closes, whether it
// finished, failed mid-stream or the client went away (status 499, as nginx logs it). Routes fill
// in what they know (characters, audio, voice, time to first audio) as they go.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ApiKey } from '../store/keys.js'
import { charactersBucket } from './speak.js'

export interface Meter {
  keyId: string
  endpoint: string
  voice: string | null
  format: string | null
  characters: number
  audioMs: number
  ttfaMs: number | null
  /** Set when the status line no longer tells the truth (a stream that failed after it began). */
  status: number | null
}

/** The client closed the connection before the response was complete. */
export const CLIENT_CLOSED = 499

declare module 'fastify' {
  interface FastifyRequest {
    meter: Meter | null
  }
}

export function startMeter(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, key: ApiKey): Meter {
  const meter: Meter = {
    keyId: key.id,
    endpoint: request.routeOptions.url ?? request.url,
    voice: null,
    format: null,
    characters: 0,
    audioMs: 0,
    ttfaMs: null,
    status: null,
  }
  request.meter = meter
  reply.raw.once('close', () => {
    const finished = reply.raw.writableFinished
    const status = meter.status ?? (finished ? reply.statusCode : CLIENT_CLOSED)
    // Nothing was heard: a request refused or failed (or left by its client) before any audio
    // gives its characters back, and its record says so.
    if (status >= 400 && meter.audioMs === 0 && meter.characters > 0) {
      app.limits.giveBack(charactersBucket(meter.keyId), meter.characters)
      meter.characters = 0
    }
    app.usage.record({
      keyId: meter.keyId,
      voiceSlug: meter.voice,
      characters: meter.characters,
      audioMs: meter.audioMs,
      format: meter.format,
      status,
      ttfaMs: meter.ttfaMs,
      totalMs: reply.elapsedTime,
      endpoint: meter.endpoint,
    })
    // onResponse hooks only run for responses that finished; count the others here.
    if (!finished) app.metrics.httpRequests.inc({ method: request.method, route: meter.endpoint, status })
  })
  return meter
}
