// Schemas shared by several routes: the one error shape, and the responses every protected route
// can give, so the OpenAPI document lists them.
import { Type } from '@fastify/type-provider-typebox'
import { errorStatus } from '../errors.js'

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(Object.keys(errorStatus).map((c) => Type.Literal(c))),
      message: Type.String(),
      request_id: Type.String(),
    }),
  },
  { $id: 'ErrorResponse', description: 'Every error, whatever the route or status' },
)

const ref = Type.Unsafe<{ error: { code: string; message: string; request_id: string } }>({
  $ref: 'ErrorResponse#',
})

/** Responses of a route behind an API key (merge into `schema.response`). */
export const protectedErrors = {
  400: ref,
  401: ref,
  403: ref,
  429: ref,
  500: ref,
  503: ref,
}

export const errorRef = ref

/** Security requirement for the OpenAPI document: either header works. */
export const keySecurity: Array<Record<string, string[]>> = [{ apiKey: [] }, { bearer: [] }]
