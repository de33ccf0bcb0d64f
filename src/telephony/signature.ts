// Is this request from Twilio, and is this stream for a call we are expecting? Twilio's signature
// is checked with the twilio package against the public URL (behind nginx the Host and scheme we
// see are not what Twilio used). A signature has no timestamp, so a captured request could be
// replayed: a stream must also present a short-lived token minted for its own call.
import { createHmac, timingSafeEqual } from 'node:crypto'
import twilio from 'twilio'

/**
 * A webhook's signature over PUBLIC_BASE_URL + the path and query it was sent to, plus its form
 * parameters. `path` is the request's URL as received (starts with /).
 */
export function validWebhook(authToken: string, publicBaseUrl: string, path: string, signature: string | undefined, params: Record<string, string>): boolean {
  if (!signature) return false
  return twilio.validateRequest(authToken, signature, publicBaseUrl + path, params)
}

/** The URL Twilio opens the media stream on: the public base with ws(s):// and the path. */
export function streamUrl(publicBaseUrl: string, path: string): string {
  return publicBaseUrl.replace(/^http/, 'ws') + path
}

/** The upgrade request of a media stream: signed over the wss:// URL with no parameters. */
export function validStreamUpgrade(authToken: string, url: string, signature: string | undefined): boolean {
  if (!signature) return false
  // Twilio's docs advise trying the URL with and without a trailing slash.
  const other = url.endsWith('/') ? url.slice(0, -1) : `${url}/`
  return [url, other].some((u) => twilio.validateRequest(authToken, signature, u, {}))
}

export interface TokenCheck {
  ok: boolean
  reason?: 'malformed' | 'expired' | 'bad_signature'
}

/** The key stream tokens are signed with: derived from the auth token, never the token itself. */
export function tokenKey(authToken: string): Buffer {
  return createHmac('sha256', authToken).update('callwaiting stream token v1').digest()
}

const mac = (key: Buffer, callId: string, expires: number) =>
  createHmac('sha256', key).update(`${callId}.${expires}`).digest('base64url')

/** `<expiry seconds>.<HMAC of call id and expiry>`, well under <Parameter>'s 500 characters. */
export function mintStreamToken(key: Buffer, callId: string, ttlS: number, now = Date.now()): string {
  const expires = Math.floor(now / 1000) + ttlS
  return `${expires}.${mac(key, callId, expires)}`
}

export function checkStreamToken(key: Buffer, callId: string, token: unknown, now = Date.now()): TokenCheck {
  if (typeof token !== 'string') return { ok: false, reason: 'malformed' }
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token)
  if (!m) return { ok: false, reason: 'malformed' }
  const expires = Number(m[1])
  const expected = Buffer.from(mac(key, callId, expires))
  if (!timingSafeEqual(expected, Buffer.from(m[2]))) return { ok: false, reason: 'bad_signature' }
  if (expires * 1000 < now) return { ok: false, reason: 'expired' }
  return { ok: true }
}
