// Security headers and CORS. The API answers JSON and audio, which never need to load anything,
// so its CSP allows nothing; /docs gets its own, looser policy from the docs plugin.
import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet from 'helmet'
import cors from '@fastify/cors'
import type { Config } from '../config.js'
import { global } from './global.js'

export const EXPOSED_HEADERS = [
  'x-request-id', 'x-sample-rate', 'retry-after',
  'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset',
]

/**
 * Helmet's headers for our options, worked out once. (@fastify/helmet builds Helmet's middleware
 * again on every request, parsing the CSP each time: a tenth of the main thread at /health's rate.)
 */
function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {}
  const res = { setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value), removeHeader: () => {} }
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
    },
    frameguard: { action: 'deny' },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    // Audio players on other origins (a browser demo page) must be able to load responses.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  })({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err
  })
  return headers
}

export default global(async (app, { config }: { config: Config }) => {
  const headers = securityHeaders()
  app.addHook('onRequest', async (request, reply) => {
    reply.headers(headers)
    reply.header('x-request-id', request.id)
  })
  // Only the listed origins get CORS headers; with none listed, browsers on other origins are refused.
  await app.register(cors, {
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['content-type', 'authorization', 'x-api-key', 'x-request-id'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  })
})
