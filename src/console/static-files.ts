// The console's files (web/ at the package root), read once at start-up: a few small files, so
// each is held in memory with its gzip and an ETag, and served without touching the disk again.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

export interface StaticFile {
  type: string
  body: Buffer
  gzip: Buffer
  etag: string
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

/** `web/` at the package root, found from here whether running from src/ or from a build in dist/. */
export function webDir(): string {
  for (const up of ['../../web', '../../../web']) {
    const dir = fileURLToPath(new URL(up, import.meta.url))
    if (existsSync(dir)) return dir
  }
  throw new Error('web/ directory not found: the console needs it beside src/ (copy it into the image)')
}

/** Every file under `dir` of a type we serve, by its path relative to `dir` ("js/app.js"). */
export function loadStaticFiles(dir = webDir()): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>()
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (TYPES[extname(name)]) {
        const body = readFileSync(path)
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
        files.set(relative(dir, path).split('\\').join('/'), { type: TYPES[extname(name)], body, gzip: gzipSync(body, { level: 9 }), etag })
      }
    }
  }
  walk(dir)
  return files
}
