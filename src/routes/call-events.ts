// GET /v1/calls/events: the calls a key may see, pushed as they start, change and end (Server-Sent
// Events). Each event is one call as GET /v1/calls/:callSid shows it, plus what it is saying now;
// a call is sent when the stream opens and again whenever any of that changes.
import { PassThrough } from 'node:stream'
import { Type } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { keySecurity, protectedErrors } from '../http/schemas.js'
import { CallWatch } from '../console/call-watch.js'
import { maySee, view } from './calls.js'

/** A comment line this often keeps proxies (nginx's 60 s read timeout) from closing a quiet stream. */
const KEEPALIVE_MS = 15_000

export default async function callEventsRoutes(app: FastifyInstance) {
  const watch = new CallWatch(app.db, app.telephony.hub, app.log)
  const open = new Set<PassThrough>()
  // A stream never ends by itself: closing the app must end them, or the server would wait on them.
  app.addHook('preClose', async () => {
    for (const out of open) out.end()
  })

  app.get('/v1/calls/events', {
    onRequest: app.requireKey('calls'),
    schema: {
      summary: 'Calls as they start, change and end (text/event-stream)',
      description: 'Server-Sent Events: `event: call`, `data:` the call as `GET /v1/calls/:callSid` answers it, with `speaking` (audio is going out now), `saying` (its text, or null) and `queued` (utterances waiting).',
      tags: ['calls'], security: keySecurity,
      response: { 200: { description: 'An endless event stream', content: { 'text/event-stream': { schema: Type.String() } } }, ...protectedErrors },
    },
  }, async (request, reply) => {
    const key = request.apiKey!
    const out = new PassThrough()
    const sent = new Map<string, string>()
    const unsubscribe = watch.subscribe((calls) => {
      for (const { call, live } of calls) {
        if (!maySee(key, call)) continue
        const data = JSON.stringify({ ...view(call, live), speaking: live?.speaking ?? false, saying: live?.saying ?? null, queued: live?.queued ?? 0 })
        if (sent.get(call.id) === data) continue
        sent.set(call.id, data)
        out.write(`event: call\ndata: ${data}\n\n`)
      }
    })
    const keepalive = setInterval(() => out.write(': keepalive\n\n'), KEEPALIVE_MS)
    open.add(out)
    reply.raw.once('close', () => {
      unsubscribe()
      clearInterval(keepalive)
      open.delete(out)
      out.end()
    })
    // x-accel-buffering: nginx would otherwise hold the events back until its buffer fills.
    reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-store').header('x-accel-buffering', 'no')
    out.write(': calls\n\n') // the headers leave now, so the page knows it is connected
    return reply.send(out)
  })
}
