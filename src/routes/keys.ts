// API keys over HTTP, for an admin key: what `npm run keys` does, without a shell on the server and
// while it runs (the embedded database admits only the service itself). A revocation is announced
// on the key channel, so every instance stops accepting the key at once.
import { Type, type Static } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { ApiError } from '../errors.js'
import { errorRef, keySecurity, protectedErrors } from '../http/schemas.js'
import {
  DEFAULT_KEY_PREFIX, DEFAULT_MONTHLY_CHAR_LIMIT, DEFAULT_RATE_LIMIT_PER_MINUTE, KEY_PREFIX_RE, KEY_REVOKED_CHANNEL, KeyOptionError, SCOPES,
  createKey, listKeys, revokeKey, type ApiKey,
} from '../store/keys.js'

/** What a key is, without its secret: /v1/auth/verify answers it for the key itself. */
export const KeySummary = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, as listings show it' }),
  scopes: Type.Array(Type.String()),
  rate_limit_per_minute: Type.Integer(),
  monthly_char_limit: Type.Integer(),
})

export const keySummary = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  prefix: k.keyPrefix,
  scopes: k.scopes,
  rate_limit_per_minute: k.rateLimitPerMinute,
  monthly_char_limit: k.monthlyCharLimit,
})

const KeyView = Type.Object({
  ...KeySummary.properties,
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})

const view = (k: ApiKey) => ({
  ...keySummary(k),
  created_at: k.createdAt.toISOString(),
  last_used_at: k.lastUsedAt?.toISOString() ?? null,
  revoked_at: k.revokedAt?.toISOString() ?? null,
})

const Body = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  scopes: Type.Optional(Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1, uniqueItems: true, description: 'Default: ["tts"]' })),
  rate_limit_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, default: DEFAULT_RATE_LIMIT_PER_MINUTE })),
  monthly_char_limit: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: DEFAULT_MONTHLY_CHAR_LIMIT })),
  prefix: Type.Optional(Type.String({ pattern: KEY_PREFIX_RE.source, description: `Default: ${DEFAULT_KEY_PREFIX}` })),
}, { additionalProperties: false })

const IdParam = Type.Object({ id: Type.String({ format: 'uuid', description: 'The key id (GET /v1/keys lists them)' }) })

export default async function keysRoutes(app: FastifyInstance) {
  const common = { tags: ['keys'], security: keySecurity }

  app.post<{ Body: Static<typeof Body> }>('/v1/keys', {
    onRequest: app.requireKey('admin'),
    schema: {
      summary: 'Make a key (the key itself is in this answer only)',
      ...common,
      body: Body,
      response: { 201: Type.Object({ key: Type.String(), ...KeyView.properties }), ...protectedErrors },
    },
  }, async (request, reply) => {
    const { name, scopes, rate_limit_per_minute, monthly_char_limit, prefix } = request.body
    try {
      const { key, row } = await createKey(app.db, { name, scopes, rateLimitPerMinute: rate_limit_per_minute, monthlyCharLimit: monthly_char_limit, prefix })
      request.log.info({ keyId: row.id, keyName: row.name, scopes: row.scopes, by: request.apiKey!.id }, 'api key created')
      return reply.code(201).header('cache-control', 'no-store').send({ key, ...view(row) })
    } catch (err) {
      // The schema already holds what the store checks; a name of spaces only gets here.
      if (err instanceof KeyOptionError) throw new ApiError('validation_failed', err.message)
      throw err
    }
  })

  app.get('/v1/keys', {
    onRequest: app.requireKey('admin'),
    schema: { summary: 'Every key, revoked ones included', ...common, response: { 200: Type.Object({ keys: Type.Array(KeyView) }), ...protectedErrors } },
  }, async () => ({ keys: (await listKeys(app.db)).map(view) }))

  app.delete<{ Params: Static<typeof IdParam> }>('/v1/keys/:id', {
    onRequest: app.requireKey('admin'),
    schema: { summary: 'Revoke a key, on every instance', ...common, params: IdParam, response: { 200: KeyView, 404: errorRef, ...protectedErrors } },
  }, async (request) => {
    const [revoked] = await revokeKey(app.db, request.params.id)
    if (!revoked) throw new ApiError('not_found', `No live key with id ${request.params.id}`)
    await app.pubsub.publish(KEY_REVOKED_CHANNEL, revoked.id)
    request.log.info({ keyId: revoked.id, keyName: revoked.name, by: request.apiKey!.id }, 'api key revoked')
    return view(revoked)
  })
}
