// One process at a time on an embedded database: PGlite keeps no lock of its own, and two processes
// on the same files each keep their own buffers and log, so what one writes (a key made by
// `npm run keys` beside a running service) can be lost, or corrupt the database.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'

export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError'
}

/** Lock files this process holds: a file naming our pid that is not here was left by an earlier
 *  process that had the same pid (a container restarted). */
const held = new Set<string>()

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' // exists, but not ours to signal
  }
}

/** Takes `dir`'s lock or throws DataDirInUseError; returns what gives it back (once). */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, 'pgdata.lock')
  for (;;) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, `${process.pid}\n`)
      closeSync(fd)
      held.add(path)
      return () => {
        if (!held.delete(path)) return
        rmSync(path, { force: true })
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10)
    const ours = pid === process.pid
    if ((ours && held.has(path)) || (!ours && pid > 0 && alive(pid))) {
      throw new DataDirInUseError(
        `the embedded database in ${dir} is in use by ${ours ? 'this process' : `process ${pid}`} (a running service?): ` +
          'stop it first, or make and revoke keys over HTTP with an admin key (POST /v1/keys). ' +
          `If no process uses it, delete ${path}.`,
      )
    }
    rmSync(path, { force: true }) // left by a process that is gone
  }
}
