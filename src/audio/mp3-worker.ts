// The thread that runs LAME for every MP3 stream of the process (see mp3.ts). A LAME instance
// reserves 16 MB of wasm memory (about 0.8 MB of it resident) and takes milliseconds to start, so
// one whose stream ended is kept and reconfigured for the next stream.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { parentPort } from 'node:worker_threads'
import { createEncoder, type WasmMediaEncoder } from 'wasm-media-encoders'
import type { Mp3Reply, Mp3Request } from './mp3.js'

type Lame = WasmMediaEncoder<'audio/mpeg'>

/** Idle encoders kept beyond this many are left to the garbage collector. */
const MAX_IDLE = 16
const idle: Lame[] = []
const streams = new Map<number, Lame>()
// The package's own loader decodes a base64 copy of the module for every encoder; the .wasm file
// beside it is compiled once instead.
const lameModule = new WebAssembly.Module(readFileSync(createRequire(import.meta.url).resolve('wasm-media-encoders/wasm/mp3')))

/** Constant bitrate for mono speech at a rate (kbps): clear speech, and sizes a client can predict. */
function bitrate(rate: number): 24 | 32 | 48 | 64 {
  return rate <= 12000 ? 24 : rate <= 16000 ? 32 : rate <= 24000 ? 48 : 64
}

function release(id: number): void {
  const lame = streams.get(id)
  streams.delete(id)
  if (lame && idle.length < MAX_IDLE) idle.push(lame)
}

async function handle(m: Mp3Request): Promise<Uint8Array> {
  if (m.op === 'open') {
    const lame = idle.pop() ?? (await createEncoder('audio/mpeg', lameModule))
    lame.configure({ channels: 1, sampleRate: m.rate, outputSampleRate: m.rate, bitrate: bitrate(m.rate) })
    streams.set(m.id, lame)
    return new Uint8Array(0)
  }
  const lame = streams.get(m.id)
  if (!lame) throw new Error(`no MP3 stream ${m.id}`)
  if (m.op === 'push') {
    const pcm = new Int16Array(m.pcm)
    const floats = new Float32Array(pcm.length)
    for (let i = 0; i < pcm.length; i++) floats[i] = pcm[i] / 32768
    // The encoder's output lives in its own memory and is overwritten by the next call.
    return lame.encode([floats]).slice()
  }
  if (m.op === 'end') {
    const tail = lame.finalize().slice()
    release(m.id)
    return tail
  }
  release(m.id)
  return new Uint8Array(0)
}

const port = parentPort!
port.on('message', (m: Mp3Request) => {
  handle(m).then(
    (bytes) => port.postMessage({ id: m.id, bytes } satisfies Mp3Reply, [bytes.buffer as ArrayBuffer]),
    (err: Error) => port.postMessage({ id: m.id, error: err.message } satisfies Mp3Reply),
  )
})
