// What an operator reads when the service (or the keys CLI) cannot start: one line that names the
// setting, says what is wrong and what to do. Null for an error that is a bug: it keeps its stack.
import { ConfigError, type Config } from './config.js'
import { DatabaseUnavailableError } from './store/db.js'
import { DataDirInUseError } from './store/data-lock.js'

const LISTEN_CODES = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL'])

/** The URL with its password masked: this line goes to logs and terminals. */
function shown(url: string): string {
  const u = new URL(url)
  if (u.password) u.password = '***'
  return u.toString()
}

function sqlState(err: unknown): string {
  const cause = err instanceof DatabaseUnavailableError ? err.cause : err
  const code = (cause as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : ''
}

/** Which settings to change, for a database that refused or did not answer. */
function databaseAdvice(err: unknown, config: Config): string | null {
  if (!config.databaseUrl) return null
  const state = sqlState(err)
  const auth = state === '28P01' || state === '28000'
  if (!(err instanceof DatabaseUnavailableError) && !auth) return null
  const url = new URL(config.databaseUrl)
  const fromUrl = config.databaseFrom === 'DATABASE_URL'
  const where = fromUrl ? `DATABASE_URL (${shown(config.databaseUrl)})` : `POSTGRES_HOST and POSTGRES_PORT (${url.host})`
  const message = err instanceof DatabaseUnavailableError ? err.message : `database refused the login: ${(err as Error).message}`
  if (state === '3D000') {
    const name = decodeURIComponent(url.pathname.slice(1))
    return fromUrl
      ? `${message}: create it (createdb ${name}) or name an existing database at the end of DATABASE_URL`
      : `${message}: create it, or set POSTGRES_DB to a database that exists (without POSTGRES_DB the name is callwaiting)`
  }
  if (auth) {
    return fromUrl
      ? `${message}: correct the user and password in DATABASE_URL`
      : `${message}: check POSTGRES_USER and POSTGRES_PASSWORD (a PostgreSQL data volume keeps the password it was first created with; see Troubleshooting in docs/deployment.md)`
  }
  return `${message}: is PostgreSQL running and reachable at ${url.host}? Check ${where}, or unset it to use the embedded database in DATA_DIR`
}

/** One line for a start-up failure the operator can fix; null for anything else. */
export function startErrorMessage(err: unknown, config: Config): string | null {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? ''
  if (LISTEN_CODES.has(code)) {
    const why = code === 'EADDRINUSE' ? 'another process has the port' : code
    return `cannot listen on ${config.host}:${config.port} (${why}); CHATTERBOX_PORT (or PORT) and HOST say where`
  }
  if (err instanceof ConfigError || err instanceof DataDirInUseError) return err.message
  return databaseAdvice(err, config)
}
