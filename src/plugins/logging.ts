// The server's logger. Keys must never reach a log line: the headers
// that carry them are redacted wherever they appear, and secret-looking query parameters are
// masked in the logged URL (a client may put a key there even though we never read it there).
import pino, { type DestinationStream, type Logger } from 'pino'

const SECRET_HEADERS = ['authorization', 'x-api-key', 'x-twilio-signature', 'cookie', 'proxy-authorization']

export const REDACT_PATHS = SECRET_HEADERS.flatMap((h) => [
  `req.headers["${h}"]`,
  `headers["${h}"]`,
  `request.headers["${h}"]`,
])

const SECRET_PARAM = /key|token|secret|signature|auth|password/i

/** The URL with the values of secret-looking query parameters replaced. */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return url
  const q = url.indexOf('?')
  if (q < 0) return url
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      const name = eq < 0 ? pair : pair.slice(0, eq)
      return eq >= 0 && SECRET_PARAM.test(decodeSafe(name)) ? `${name}=[redacted]` : pair
    })
  return `${url.slice(0, q)}?${params.join('&')}`
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

interface LoggedRequest {
  method?: string
  url?: string
  ip?: string
  socket?: { remoteAddress?: string; remotePort?: number }
}

export function createLogger(level: string, stream?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        req: (req: LoggedRequest) => ({
          method: req.method,
          url: safeUrl(req.url),
          remoteAddress: req.ip ?? req.socket?.remoteAddress,
          remotePort: req.socket?.remotePort,
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    stream ?? destination(),
  )
}

/** JSON lines for containers and log shippers; readable lines for a person at a terminal. The
 *  pretty printer runs in pino's transport thread, off the event loop that serves requests. */
function destination(): DestinationStream {
  if (!process.stdout.isTTY) return pino.destination(1)
  return pino.transport({ target: 'pino-pretty', options: { destination: 1, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } })
}

/** Fastify's trustProxy from ours: a hop count becomes "trust the nearest n hops". */
export function trustProxyOption(trust: boolean | number | string[]): boolean | string[] | ((addr: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_addr, hop) => hop < trust : trust
}
