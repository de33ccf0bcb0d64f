// GET /v1/auth/verify: is this key good, and what may it do.
import { Type } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { keySecurity, protectedErrors } from '../plugins/schemas.js'

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
          key: Type.Object({
            id: Type.String({ format: 'uuid' }),
            name: Type.String(),
            prefix: Type.String({ description: 'The first characters of the key, as listings show it' }),
            scopes: Type.Array(Type.String()),
            rate_limit_per_minute: Type.Integer(),
            monthly_char_limit: Type.Integer(),
          }),
        }),
        ...protectedErrors,
      },
    },
  }, async (request) => {
    const k = request.apiKey!
    return {
      valid: true as const,
      key: { id: k.id, name: k.name, prefix: k.keyPrefix, scopes: k.scopes, rate_limit_per_minute: k.rateLimitPerMinute, monthly_char_limit: k.monthlyCharLimit },
    }
  })
}
