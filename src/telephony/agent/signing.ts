// The socket we open to an app's agent is signed so the app can tell it is us, and that the
// request is fresh: X-CallWaiting-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.url">
// with AGENT_SIGNING_SECRET. The timestamp bounds a replay; the URL binds it to that app.
import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_HEADER = 'X-CallWaiting-Signature'

const mac = (secret: string, url: string, t: number) => createHmac('sha256', secret).update(`${t}.${url}`).digest('hex')

export function signAgentUrl(secret: string, url: string, now = Date.now()): string {
  const t = Math.floor(now / 1000)
  return `t=${t},v1=${mac(secret, url, t)}`
}

/** The app's side (as README shows it): a good signature, made within `toleranceS` of now. */
export function verifyAgentSignature(secret: string, url: string, header: string | undefined, toleranceS = 300, now = Date.now()): boolean {
  const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '')
  if (!m) return false
  const t = Number(m[1])
  if (Math.abs(now / 1000 - t) > toleranceS) return false
  return timingSafeEqual(Buffer.from(mac(secret, url, t)), Buffer.from(m[2]))
}
