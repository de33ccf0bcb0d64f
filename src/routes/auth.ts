// GET /v1/auth/verify: is this key good, and what may it do.
import { Type } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { keySecurity, protectedErrors } from '../http/schemas.js'
import { KeySummary, keySummary } from './keys.js'

export default async function authRoutes(app: FastifyInstance) {
  app.get('/v1/auth/verify', {
    onRequest: app.requireKey(),
    schema: {
      summary: 'Check an API key',
      tags: ['auth'],
      security: keySecurity,
      response: {
        200: Type.Object({
          valid: Type.Literal(true),
          key: KeySummary,
        }),
        ...protectedErrors,
      },
    },
  }, async (request) => ({ valid: true as const, key: keySummary(request.apiKey!) }))
}
