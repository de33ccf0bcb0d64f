// The OpenAPI document, generated from the route schemas, at /docs/json, and Swagger UI at /docs.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { Config } from '../config.js'
import { global } from './global.js'

// Swagger UI loads its own scripts and styles and sets inline style attributes; nothing else.
// (No upgrade-insecure-requests: on plain http, e.g. localhost, it would break the page.)
const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'self'; form-action 'self'; " +
  "script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data: validator.swagger.io; font-src 'self' data:; connect-src 'self'"

export default global(async (app, { config }: { config: Config }) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'CallWaiting TTS API',
        version: '1.0.0',
        description:
          'Self-hosted text-to-speech. Send your API key in `x-api-key` or as `Authorization: Bearer <key>`. ' +
          'Errors always have the shape `{"error":{"code","message","request_id"}}`.',
      },
      servers: config.publicBaseUrl ? [{ url: config.publicBaseUrl }] : [],
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json.$id as string) ?? `def-${i}` },
  })
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    uiConfig: { docExpansion: 'list', deepLinking: true },
  })
})
