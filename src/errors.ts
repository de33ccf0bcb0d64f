/** The closed set of errors the API can answer with, and the HTTP status of each. */
export const errorStatus = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unsupported_format: 400,
  text_too_long: 400,
  invalid_ssml: 400,
  voice_not_found: 404,
  not_found: 404,
  unauthorized: 401,
  forbidden: 403,
  request_timeout: 408,
  call_not_live: 409,
  payload_too_large: 413,
  upgrade_required: 426,
  unsupported_media_type: 415,
  rate_limited: 429,
  quota_exceeded: 429,
  headers_too_large: 431,
  internal: 500,
  unavailable: 503,
  busy: 503,
  bad_gateway: 502,
} as const

export type ErrorCode = keyof typeof errorStatus

export class ApiError extends Error {
  readonly status: number
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string | number> = {},
  ) {
    super(message)
    this.status = errorStatus[code]
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; request_id: string }
}

export function errorBody(code: ErrorCode, message: string, requestId: string): ErrorBody {
  return { error: { code, message, request_id: requestId } }
}
