// A PostgreSQL cluster of the test's own, from Debian's server binaries
// (/usr/lib/postgresql/<version>/bin), on a free loopback port, in a temp directory: stopped to act
// out an outage and started again on the same port. initdb refuses to run as root, so as root
// every step runs as the `postgres` OS user (runuser), with the directory handed to that user.
import { execFile, execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './fault-net.js'

const run = promisify(execFile)

export interface DedicatedPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust auth on loopback). */
  url: string
  port: number
  /** pg_ctl stop; `immediate` drops every connection at once, as a crash would. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>
  /** pg_ctl start on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>
  /** Stops it (if running) and deletes its files. */
  destroy(): Promise<void>
}

/** The newest installed server's bin directory, or null when no server is installed. */
export function postgresBin(): string | null {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))
  return versions.length ? join(root, versions[0], 'bin') : null
}

/** The `postgres` account's ids (from `id`, so NSS accounts count too), or null without one. */
function postgresUser(): { uid: number; gid: number } | null {
  try {
    const [uid, gid] = ['-u', '-g'].map((f) => Number(execFileSync('id', [f, 'postgres'], { encoding: 'utf8' }).trim()))
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null
  } catch {
    return null
  }
}

export async function startPostgres(): Promise<DedicatedPostgres> {
  const bin = postgresBin()
  if (!bin) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)')
  const asRoot = userInfo().uid === 0
  const owner = asRoot ? postgresUser() : null
  if (asRoot && !owner) throw new Error('running as root, and there is no `postgres` OS user to run initdb as')
  // As the postgres user or as ourselves: async, so an app in this process keeps serving meanwhile.
  const as = (cmd: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args)

  const dir = mkdtempSync(join(tmpdir(), 'cw-fault-pg-'))
  if (owner) chownSync(dir, owner.uid, owner.gid)
  const data = join(dir, 'data')
  const port = await freePort()
  await as(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
  // Durability is not under test here (fsync off: a crash of this throwaway cluster loses nothing we need).
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c full_page_writes=off -c max_connections=50`
  let running = false
  const start = async () => {
    await as(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '30', 'start'])
    running = true
  }
  const stop = async (mode: 'fast' | 'immediate' = 'immediate') => {
    if (!running) return
    await as(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '30', 'stop'])
    running = false
  }
  try {
    await start()
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    destroy: async () => {
      await stop('immediate').catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
