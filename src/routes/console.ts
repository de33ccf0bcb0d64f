// GET /console: the web console (web/), public like /docs; everything it shows comes from the
// keyed API, called by the page with the key the user signs in with. Its CSP lets the page load
// only its own scripts and styles and talk only to this origin (fetch, and the /v1/speak socket).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../errors.js'
import { loadStaticFiles } from '../console/static-files.js'

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

export default async function consoleRoutes(app: FastifyInstance) {
  const files = loadStaticFiles()

  function send(request: FastifyRequest, reply: FastifyReply, path: string) {
    const file = files.get(path)
    if (!file) throw new ApiError('not_found', 'No such console file')
    // Revalidated on every load (cheap with the ETag): a new release's scripts are never mixed with old ones.
    reply.header('content-security-policy', CONSOLE_CSP).header('cache-control', 'no-cache').header('etag', file.etag).header('vary', 'accept-encoding')
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send()
    reply.type(file.type)
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(file.gzip)
    return reply.send(file.body)
  }

  const schema = { hide: true }
  app.get('/console', { schema }, (request, reply) => send(request, reply, 'index.html'))
  app.get<{ Params: { '*': string } }>('/console/*', { schema }, (request, reply) => send(request, reply, request.params['*'] || 'index.html'))
}
