// Security headers and CORS. The API answers JSON and audio, which never need to load anything,
// so its CSP allows nothing; /docs gets its own, looser policy from the docs plugin.
import helmet from '@fastify/helmet'
import cors from '@fastify/cors'
import type { Config } from '../config.js'
import { global } from './global.js'

export const EXPOSED_HEADERS = [
  'x-request-id', 'x-sample-rate', 'retry-after',
  'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset',
]

export default global(async (app, { config }: { config: Config }) => {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
    },
    frameguard: { action: 'deny' },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    // Audio players on other origins (a browser demo page) must be able to load responses.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  })
  // Only the listed origins get CORS headers; with none listed, browsers on other origins are refused.
  await app.register(cors, {
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['content-type', 'authorization', 'x-api-key', 'x-request-id'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  })
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
})
