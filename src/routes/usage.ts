// GET /v1/usage: this key's use this calendar month (UTC), in total and by day, with its limits.
import { Type } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { usageSummary } from '../store/usage-summary.js'
import { keySecurity, protectedErrors } from '../http/schemas.js'
import { charactersBucket } from '../usage/metering.js'

export const Totals = {
  requests: Type.Integer(),
  characters: Type.Integer(),
  audio_seconds: Type.Number(),
}

/** A summary's totals as the API names them. */
export const totals = (t: { requests: number; characters: number; audioSeconds: number }) => ({
  requests: t.requests,
  characters: t.characters,
  audio_seconds: Math.round(t.audioSeconds * 1000) / 1000,
})

/** How long /v1/usage waits for buffered records to be written before it reads. */
export const FLUSH_WAIT_MS = 1000

export default async function usageRoutes(app: FastifyInstance) {
  app.get('/v1/usage', {
    onRequest: app.requireKey(),
    schema: {
      summary: "This key's usage this month",
      tags: ['usage'],
      security: keySecurity,
      response: {
        200: Type.Object({
          period: Type.Object({ start: Type.String({ format: 'date-time' }), end: Type.String({ format: 'date-time' }) }),
          ...Totals,
          by_day: Type.Array(Type.Object({ date: Type.String({ format: 'date' }), ...Totals })),
          limits: Type.Object({ requests_per_minute: Type.Integer(), characters_per_month: Type.Integer() }),
          remaining: Type.Object({ characters_this_month: Type.Integer() }),
        }),
        ...protectedErrors,
      },
    },
  }, async (request) => {
    const key = request.apiKey!
    // Records are written in batches off the request path; write what is buffered so a client
    // sees the requests it just made.
    await app.usage.flush(FLUSH_WAIT_MS)
    const [summary, counted] = await Promise.all([
      usageSummary(app.db, key.id),
      app.limits.used(charactersBucket(key.id), 'month'),
    ])
    // The quota counter is what is enforced (less the block this instance holds unspent); the
    // usage rows are the record. Report the larger.
    const used = Math.max(summary.characters, counted)
    return {
      period: { start: summary.periodStart.toISOString(), end: summary.periodEnd.toISOString() },
      ...totals(summary),
      by_day: summary.byDay.map((d) => ({ date: d.date, ...totals(d) })),
      limits: { requests_per_minute: key.rateLimitPerMinute, characters_per_month: key.monthlyCharLimit },
      remaining: { characters_this_month: Math.max(0, key.monthlyCharLimit - used) },
    }
  })
}
