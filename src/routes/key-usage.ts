// GET /v1/keys/:id/usage: any key's use this month, by day, for an admin (the console's usage chart
// per key); a key sees its own with GET /v1/usage.
import { Type, type Static } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { ApiError } from '../errors.js'
import { errorRef, keySecurity, protectedErrors } from '../http/schemas.js'
import { listKeys } from '../store/keys.js'
import { usageSummary } from '../store/usage-summary.js'
import { FLUSH_WAIT_MS, Totals, totals } from './usage.js'

const IdParam = Type.Object({ id: Type.String({ format: 'uuid', description: 'The key id (GET /v1/keys lists them)' }) })

export default async function keyUsageRoutes(app: FastifyInstance) {
  app.get<{ Params: Static<typeof IdParam> }>('/v1/keys/:id/usage', {
    onRequest: app.requireKey('admin'),
    schema: {
      summary: "A key's usage this month, by day", tags: ['keys', 'usage'], security: keySecurity, params: IdParam,
      response: {
        200: Type.Object({
          key_id: Type.String(),
          period: Type.Object({ start: Type.String({ format: 'date-time' }), end: Type.String({ format: 'date-time' }) }),
          ...Totals,
          by_day: Type.Array(Type.Object({ date: Type.String({ format: 'date' }), ...Totals })),
        }),
        404: errorRef,
        ...protectedErrors,
      },
    },
  }, async (request) => {
    const { id } = request.params
    if (!(await listKeys(app.db, { includeRevoked: true })).some((k) => k.id === id)) throw new ApiError('not_found', `No key with id ${id}`)
    await app.usage.flush(FLUSH_WAIT_MS)
    const summary = await usageSummary(app.db, id)
    return {
      key_id: id,
      period: { start: summary.periodStart.toISOString(), end: summary.periodEnd.toISOString() },
      ...totals(summary),
      by_day: summary.byDay.map((d) => ({ date: d.date, ...totals(d) })),
    }
  })
}
