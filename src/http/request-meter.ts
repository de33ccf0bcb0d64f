// One usage record per authenticated request, written when the response closes, whether it
// finished, failed mid-stream or the client went away (status 499, as nginx logs it). Routes fill
// in what they know (characters, audio, voice, time to first audio) on the request's bill.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ApiKey } from '../store/keys.js'
import type { Bill } from '../usage/metering.js'

/** The client closed the connection before the response was complete. */
export const CLIENT_CLOSED = 499

declare module 'fastify' {
  interface FastifyRequest {
    meter: Bill | null
  }
}

export function startMeter(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, key: ApiKey): Bill {
  const endpoint = request.routeOptions.url ?? request.url
  const bill = app.metering.open({ requestId: request.id, key, endpoint })
  request.meter = bill
  reply.raw.once('close', () => {
    const finished = reply.raw.writableFinished
    const status = bill.failed ? 500 : finished ? reply.statusCode : CLIENT_CLOSED
    bill.record(status, reply.elapsedTime)
    // onResponse hooks only run for responses that finished; count the others here.
    if (!finished) app.metrics.httpRequests.inc({ method: request.method, route: endpoint, status })
  })
  return bill
}
