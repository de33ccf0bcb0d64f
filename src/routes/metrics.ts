// GET /metrics for Prometheus. Not behind a key, as scrapers expect; nginx keeps it off the
// public listener.
import type { FastifyInstance } from 'fastify'

export default async function metricsRoutes(app: FastifyInstance) {
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['health'], hide: false } }, async (_request, reply) => {
    const { registry } = app.metrics
    return reply.type(registry.contentType).send(await registry.metrics())
  })
}
