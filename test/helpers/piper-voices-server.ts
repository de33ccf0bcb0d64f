// A local stand-in for the piper-voices repository: voices.json and the voices' files in its URL
// layout (BASE/voices.json, BASE/en/en_US/NAME/QUALITY/FILE), serving a model the test built. Each
// file can be made to misbehave the ways a real download does.
import { createHash } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { piperConfig, testModel } from './piper-model.js'

/** ok; 404; a body shorter or longer than the catalog's size; the right size with a byte changed;
 *  the connection cut halfway (Content-Length promised the whole); headers and a few bytes, then
 *  nothing. */
export type Behaviour = 'ok' | '404' | 'short' | 'long' | 'corrupt' | 'cut' | 'stall'

interface Voice {
  key: string
  language: { code: string; family: string; region: string; name_english: string }
  quality: string
  speakers?: number
}

export interface VoicesServer {
  /** PIPER_VOICES_URL for the CLI. */
  base: string
  /** Each file's bytes, by file name (NAME.onnx, NAME.onnx.json). */
  files: Map<string, Buffer>
  behave(file: string, how: Behaviour): void
  /** Every request: its path and Range header. */
  requests: { path: string; range?: string }[]
  close(): Promise<void>
}

const folder = (v: Voice) => `${v.language.family}/${v.language.code}/${v.key.split('-')[1]}/${v.quality}`

export async function startVoicesServer(voices: Voice[]): Promise<VoicesServer> {
  const files = new Map<string, Buffer>()
  const byPath = new Map<string, string>()
  const catalog: Record<string, unknown> = {}
  for (const v of voices) {
    const model = Buffer.from(testModel({ speakers: v.speakers ?? 1 }))
    const config = Buffer.from(JSON.stringify(piperConfig({ speakers: v.speakers ?? 1, config: { language: { code: v.language.code } } })))
    const card = Buffer.from(`# Model card for ${v.key}\n`)
    const entries: Record<string, { size_bytes: number; md5_digest: string }> = {}
    for (const [name, bytes] of [[`${v.key}.onnx`, model], [`${v.key}.onnx.json`, config], ['MODEL_CARD', card]] as const) {
      const path = `${folder(v)}/${name}`
      files.set(name === 'MODEL_CARD' ? `${v.key}/MODEL_CARD` : name, bytes)
      byPath.set(path, name === 'MODEL_CARD' ? `${v.key}/MODEL_CARD` : name)
      entries[path] = { size_bytes: bytes.length, md5_digest: createHash('md5').update(bytes).digest('hex') }
    }
    catalog[v.key] = {
      key: v.key,
      name: v.key.split('-')[1],
      language: { ...v.language, name_native: v.language.name_english, country_english: v.language.region },
      quality: v.quality,
      num_speakers: v.speakers ?? 1,
      speaker_id_map: {},
      files: entries,
      aliases: [v.key.toLowerCase().replace(/_/g, '-')],
    }
  }
  const behaviour = new Map<string, Behaviour>()
  const requests: VoicesServer['requests'] = []
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/piper-voices\/v1\//, '')
    requests.push({ path, range: (req.headers as IncomingHttpHeaders).range })
    if (path === 'voices.json') return void res.setHeader('content-type', 'application/json').end(JSON.stringify(catalog))
    const name = byPath.get(path)
    const how = (name && behaviour.get(name)) ?? 'ok'
    if (!name || how === '404') return void res.writeHead(404).end('Entry not found')
    let bytes = files.get(name)!
    if (how === 'short') bytes = bytes.subarray(0, bytes.length - 100)
    if (how === 'long') bytes = Buffer.concat([bytes, Buffer.alloc(1 << 20)])
    if (how === 'corrupt') {
      bytes = Buffer.from(bytes)
      bytes[bytes.length >> 1] ^= 0xff
    }
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0)
    const body = bytes.subarray(from)
    res.writeHead(from ? 206 : 200, { 'content-length': body.length, ...(from ? { 'content-range': `bytes ${from}-${bytes.length - 1}/${bytes.length}` } : {}) })
    if (how === 'stall') return void res.write(body.subarray(0, 100))
    // A moment before the cut, as on a real network: the client reads what came before it breaks.
    if (how === 'cut') return void res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.destroy(), 200))
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    base: `http://127.0.0.1:${port}/piper-voices/v1/`,
    files,
    behave: (file, how) => void behaviour.set(file, how),
    requests,
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
