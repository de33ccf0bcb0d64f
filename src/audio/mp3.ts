// MP3 streams, encoded by LAME compiled to WebAssembly (npm wasm-media-encoders) in a thread of its
// own: LAME takes about 3 ms of CPU per second of 16 kHz audio, and on the main thread a burst of MP3
// responses held up every other socket (a cached prompt as MP3 went at 51 requests/s with a p99 of
// 2.6 s, and stalled the event loop for everything else meanwhile). The messages of one stream are
// answered in order, so its chunks come back in order.
import type { Worker } from 'node:worker_threads'
import { startWorker } from '../worker-thread.js'

/** The rates MPEG audio (1, 2 and 2.5) defines. */
const MP3_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] as const
export type Mp3Rate = (typeof MP3_RATES)[number]
export const isMp3Rate = (rate: number): rate is Mp3Rate => (MP3_RATES as readonly number[]).includes(rate)

export type Mp3Request =
  | { id: number; op: 'open'; rate: Mp3Rate }
  | { id: number; op: 'push'; pcm: ArrayBuffer }
  | { id: number; op: 'end' | 'close' }
export type Mp3Reply = { id: number; bytes: Uint8Array } | { id: number; error: string }

export interface Mp3Stream {
  /** MPEG frames for the samples so far (LAME holds back up to a frame and its look-ahead). */
  push(samples: Int16Array): Promise<Uint8Array>
  /** The last frames; the stream is over. */
  end(): Promise<Uint8Array>
  /** Gives the stream up without its last frames (its listener is gone). */
  close(): void
}

interface Waiter {
  resolve(bytes: Uint8Array): void
  reject(err: Error): void
}
/** The encoder thread, and the answers each stream waits for, in the order it asked. */
let thread: { worker: Worker; waiting: Map<number, Waiter[]> } | undefined
let nextId = 1
/** Streams opened and not yet ended or closed: each holds a LAME instance in the thread. */
const live = new Set<number>()

/** How many MP3 streams hold an encoder now (for /metrics, and to check none is left behind). */
export const liveMp3Streams = () => live.size

function encoderThread(): NonNullable<typeof thread> {
  if (thread) return thread
  const worker = startWorker(import.meta.url, 'mp3-worker')
  const current = { worker, waiting: new Map<number, Waiter[]>() }
  const fail = (err: Error) => {
    if (thread === current) thread = undefined
    for (const queue of current.waiting.values()) for (const w of queue) w.reject(err)
    current.waiting.clear()
  }
  worker.on('message', (reply: Mp3Reply) => {
    const queue = current.waiting.get(reply.id)
    const w = queue?.shift()
    if (!w) return
    if (queue!.length === 0) current.waiting.delete(reply.id)
    if ('error' in reply) w.reject(new Error(reply.error))
    else w.resolve(reply.bytes)
    if (current.waiting.size === 0) worker.unref()
  })
  worker.on('error', fail)
  worker.on('exit', (code) => fail(new Error(`the MP3 encoder thread exited with code ${code}`)))
  worker.unref()
  return (thread = current)
}

function ask(request: Mp3Request, transfer: ArrayBuffer[] = []): Promise<Uint8Array> {
  const t = encoderThread()
  return new Promise((resolve, reject) => {
    const queue = t.waiting.get(request.id)
    if (queue) queue.push({ resolve, reject })
    else t.waiting.set(request.id, [{ resolve, reject }])
    // Busy: the thread keeps the process alive until what it was asked is answered.
    t.worker.ref()
    t.worker.postMessage(request, transfer)
  })
}

/** A mono MP3 stream at `rate`, which must be one of MP3_RATES. */
export async function openMp3(rate: number): Promise<Mp3Stream> {
  if (!isMp3Rate(rate)) throw new RangeError(`MP3 has no ${rate} Hz rate`)
  const id = nextId++
  await ask({ id, op: 'open', rate })
  live.add(id)
  return {
    push(samples) {
      if (!live.has(id)) return Promise.reject(new Error('the MP3 stream has ended'))
      const pcm = samples.slice().buffer // a copy the thread can take over
      return ask({ id, op: 'push', pcm }, [pcm])
    },
    end() {
      if (!live.delete(id)) return Promise.resolve(new Uint8Array(0))
      return ask({ id, op: 'end' })
    },
    close() {
      if (!live.delete(id)) return
      ask({ id, op: 'close' }).catch(() => {}) // nothing to wait for: its thread is gone with it
    },
  }
}
