// The body of a synthesis worker thread. Engines are loaded on first use, so a worker that only
// ever speaks Flite never pays for eSpeak. Cancellation arrives through shared memory, not a
// message, because the thread is busy inside a synchronous engine call when it matters.
import { parentPort, workerData } from 'node:worker_threads'
import { FliteEngine } from './engines/flite.js'
import { EspeakEngine } from './engines/espeak.js'
import type { WorkerRequest, WorkerReply } from './worker-protocol.js'

const port = parentPort!
/** Slot 0 holds the id of the task the pool wants stopped. */
const cancelled = new Int32Array(workerData.cancel as SharedArrayBuffer)

let flite: FliteEngine | undefined
let espeak: Promise<EspeakEngine> | undefined
const getFlite = () => (flite ??= new FliteEngine())
const getEspeak = () => (espeak ??= EspeakEngine.load())

const send = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer)

function sendChunk(id: number, samples: Int16Array): void {
  // Copy out of the engine's memory so the buffer can be transferred, not cloned.
  const own = samples.byteOffset === 0 && samples.buffer.byteLength === samples.byteLength ? samples : samples.slice()
  send({ type: 'chunk', id, samples: own.buffer as ArrayBuffer }, [own.buffer as ArrayBuffer])
}

async function handle(request: WorkerRequest): Promise<void> {
  const { id } = request
  switch (request.type) {
    case 'voices': {
      const voices = [...getFlite().voices(), ...(await getEspeak()).voices()]
      return send({ type: 'result', id, value: voices })
    }
    case 'phonemes': {
      return send({ type: 'result', id, value: (await getEspeak()).phonemize(request.text, request.voice) })
    }
    case 'synth': {
      const options = { voice: request.voice, speed: request.speed }
      if (request.engine === 'flite') {
        sendChunk(id, getFlite().synthesizeSync(request.text, options))
      } else if (request.engine === 'espeak') {
        ;(await getEspeak()).synthesizeEach(request.text, options, (chunk) => {
          if (Atomics.load(cancelled, 0) === id) return true
          sendChunk(id, chunk)
        })
      } else {
        throw new Error(`no engine "${request.engine}"`)
      }
      return send({ type: 'done', id })
    }
  }
}

port.on('message', (request: WorkerRequest) => {
  handle(request).catch((err: unknown) => send({ type: 'error', id: request.id, message: err instanceof Error ? err.message : String(err) }))
})
