// The Piper voices catalog (rhasspy/piper-voices: voices.json and one folder per voice) and the
// download of a voice's two files into MODELS_DIR. A voice appears there whole or not at all: each
// file is fetched into MODELS_DIR/.downloads/ (resumed from what an earlier try left there),
// checked against the catalog's size and MD5, and only when both files are good are they renamed
// into place (a rename within one directory tree is atomic: a reload never sees part of a file).
import { createHash } from 'node:crypto'
import { createReadStream, mkdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { dirname, join } from 'node:path'

export interface CatalogFile {
  size_bytes: number
  md5_digest: string
}

export interface CatalogVoice {
  key: string
  name: string
  language: { code: string; family: string; region: string; name_english: string }
  quality: string
  num_speakers: number
  speaker_id_map: Record<string, number>
  files: Record<string, CatalogFile>
  aliases: string[]
}

export type Catalog = Record<string, CatalogVoice>

/** A failure the user can act on: printed as it is, without a stack. */
export class VoicesError extends Error {}

export interface FetchOptions {
  /** Seconds without a byte from the server before giving up. */
  idleTimeoutS: number
  /** Called as bytes arrive: for a progress bar. */
  onProgress?: (file: string, done: number, total: number) => void
}

/** fetch with an idle timeout: aborted when no byte arrives for idleTimeoutS, headers included. */
async function fetchIdle(url: string, headers: Record<string, string>, idleTimeoutS: number): Promise<{ res: Response; body: AsyncIterable<Uint8Array> }> {
  const abort = new AbortController()
  const arm = () => setTimeout(() => abort.abort(), idleTimeoutS * 1000).unref()
  let timer = arm()
  const stalled = () => new VoicesError(`${url}: no data from the server for ${idleTimeoutS} s; try again later (a partial download resumes)`)
  let res: Response
  try {
    res = await fetch(url, { headers, signal: abort.signal })
  } catch (err) {
    clearTimeout(timer)
    if (abort.signal.aborted) throw stalled()
    throw new VoicesError(`${url}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`)
  }
  async function* body(): AsyncIterable<Uint8Array> {
    try {
      for await (const chunk of res.body ?? []) {
        clearTimeout(timer)
        timer = arm()
        yield chunk
      }
    } catch (err) {
      if (abort.signal.aborted) throw stalled()
      throw new VoicesError(`${url}: the connection broke off (${(err as Error).message}); run the command again to resume`)
    } finally {
      clearTimeout(timer)
    }
  }
  return { res, body: body() }
}

export async function fetchCatalog(baseUrl: string, { idleTimeoutS }: FetchOptions): Promise<Catalog> {
  const url = new URL('voices.json', baseUrl).href
  const { res, body } = await fetchIdle(url, {}, idleTimeoutS)
  const chunks: Uint8Array[] = []
  for await (const chunk of body) chunks.push(chunk)
  if (!res.ok) throw new VoicesError(`${url}: HTTP ${res.status}; is PIPER_VOICES_URL right?`)
  try {
    const catalog = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Catalog
    if (typeof catalog !== 'object' || catalog === null || Array.isArray(catalog)) throw new Error('not an object')
    return catalog
  } catch (err) {
    throw new VoicesError(`${url} is not a Piper voices catalog (${(err as Error).message})`)
  }
}

/** A voice by its key or one of its aliases. */
export function findVoice(catalog: Catalog, name: string): CatalogVoice | undefined {
  return catalog[name] ?? Object.values(catalog).find((v) => v.aliases?.includes(name))
}

/** The catalog paths of a voice's model and config (not its model card). */
export function voiceFiles(voice: CatalogVoice): { onnx: string; json: string } {
  const paths = Object.keys(voice.files)
  const onnx = paths.find((p) => p.endsWith('.onnx'))
  const json = paths.find((p) => p.endsWith('.onnx.json'))
  if (!onnx || !json) throw new VoicesError(`the catalog lists no .onnx and .onnx.json for ${voice.key}`)
  return { onnx, json }
}

export const isInstalled = (modelsDir: string, key: string): boolean =>
  [`${key}.onnx`, `${key}.onnx.json`].every((f) => statSync(join(modelsDir, f), { throwIfNoEntry: false })?.isFile())

async function md5Of(file: string): Promise<ReturnType<typeof createHash>> {
  const hash = createHash('md5')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash
}

/** Downloads one catalog file to `part`, resuming what is there; throws unless size and MD5 match. */
async function download(baseUrl: string, path: string, expected: CatalogFile, part: string, opts: FetchOptions): Promise<void> {
  const url = new URL(path, baseUrl).href
  const name = path.slice(path.lastIndexOf('/') + 1)
  let have = statSync(part, { throwIfNoEntry: false })?.size ?? 0
  if (have > expected.size_bytes) {
    rmSync(part)
    have = 0
  }
  let hash = have > 0 ? await md5Of(part) : createHash('md5')
  if (have < expected.size_bytes) {
    const { res, body } = await fetchIdle(url, have > 0 ? { range: `bytes=${have}-` } : {}, opts.idleTimeoutS)
    if (res.status === 200 && have > 0) {
      // The server ignored the range: start over.
      have = 0
      hash = createHash('md5')
    } else if (res.status !== 200 && res.status !== 206) {
      for await (const _ of body); // the error page: read, so the connection is free
      throw new VoicesError(`${url}: HTTP ${res.status}${res.status === 404 ? ' (not found: is PIPER_VOICES_URL a copy of the piper-voices repository?)' : ''}`)
    }
    // Each chunk is written before the next is read: what arrived is on disk when the connection
    // breaks (and is resumed from), and a write that fails stops the download there.
    const out = await open(part, have > 0 ? 'a' : 'w')
    try {
      for await (const chunk of body) {
        hash.update(chunk)
        have += chunk.length
        // More than the catalog's size is not the catalog's file: stop before it fills the disk.
        if (have > expected.size_bytes) break
        await out.write(chunk)
        opts.onProgress?.(name, have, expected.size_bytes)
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOSPC' || code === 'EDQUOT') {
        await out.close()
        rmSync(part, { force: true })
        throw new VoicesError(`${name}: the disk is full (${code}) in ${dirname(part)}; free some space and run the command again`)
      }
      if (err instanceof VoicesError) throw err
      throw new VoicesError(`${name}: ${(err as Error).message}`)
    } finally {
      await out.close().catch(() => {})
    }
  }
  const digest = hash.digest('hex')
  if (have !== expected.size_bytes || digest !== expected.md5_digest) {
    rmSync(part, { force: true })
    const what = have !== expected.size_bytes ? `${have} bytes where the catalog says ${expected.size_bytes}` : `MD5 ${digest} where the catalog says ${expected.md5_digest}`
    throw new VoicesError(`${name}: the download is not the catalog's file (${what}); nothing was installed`)
  }
}

/** Downloads, checks and installs a voice's model and config into modelsDir. */
export async function installVoice(baseUrl: string, voice: CatalogVoice, modelsDir: string, opts: FetchOptions): Promise<void> {
  const { onnx, json } = voiceFiles(voice)
  const staging = join(modelsDir, '.downloads')
  mkdirSync(staging, { recursive: true })
  const parts = { onnx: join(staging, `${voice.key}.onnx.part`), json: join(staging, `${voice.key}.onnx.json.part`) }
  await download(baseUrl, json, voice.files[json], parts.json, opts)
  await download(baseUrl, onnx, voice.files[onnx], parts.onnx, opts)
  renameSync(parts.json, join(modelsDir, `${voice.key}.onnx.json`))
  renameSync(parts.onnx, join(modelsDir, `${voice.key}.onnx`))
  try {
    rmdirSync(staging)
  } catch {
    // Another voice's partial download is still there, to be resumed.
  }
}
