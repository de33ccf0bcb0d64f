import type { FastifyPluginAsync } from 'fastify'

/**
 * Marks a plugin as not encapsulated, so the decorators and hooks it adds are seen by every
 * route (what the `fastify-plugin` package does, through the same symbol Fastify reads).
 */
export function global<Options extends Record<string, unknown>>(
  plugin: FastifyPluginAsync<Options>,
  name = plugin.name,
): FastifyPluginAsync<Options> {
  const marked = plugin as FastifyPluginAsync<Options> & Record<symbol, unknown>
  marked[Symbol.for('skip-override')] = true
  marked[Symbol.for('fastify.display-name')] = name
  return marked
}
