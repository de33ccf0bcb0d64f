// Schemas shared by several routes: the one error shape, the responses every protected route can
// give (so the OpenAPI document lists them), and the fields several bodies have in common.
import { Type } from '@fastify/type-provider-typebox'
import { errorStatus } from '../errors.js'
import { SAMPLE_RATES } from '../audio/encoder.js'
import { SPEED } from '../speech/read.js'

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

/** A voice's slug or uuid: letters, digits, dash, underscore (no room for anything else). */
export const VoiceRef = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'Voice slug (e.g. `slt`) or uuid' })

/** A phone number in E.164 form. */
export const E164 = (description: string) => Type.String({ pattern: '^\\+[1-9][0-9]{1,14}$', description })

export const Speed = Type.Number({ minimum: SPEED.min, maximum: SPEED.max, default: 1 })

export const OutputRate = Type.Enum(SAMPLE_RATES, { type: 'integer', description: "Output rate; default the voice's own, 8000 for mulaw/alaw" })
