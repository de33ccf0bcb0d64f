// The body of a synthesis worker thread. Engines are loaded on first use, so a worker that only
// ever speaks Flite never pays for eSpeak; Piper voices are opened as the worker starts (when the
// models directory has any), so no caller waits for a model to load. Cancellation arrives through
// shared memory, not a message, because the thread is busy inside a synchronous engine call when
// it matters.
import { parentPort, workerData } from 'node:worker_threads'
import { FliteEngine } from './engines/flite.js'
import { EspeakEngine } from './engines/espeak.js'
import { PiperEngine } from './engines/piper.js'
import { estimateWords } from './engines/words.js'
import { concatSamples } from '../audio/samples.js'
import type { WorkerData, WorkerRequest, WorkerReply } from './worker-protocol.js'

const port = parentPort!
const data = workerData as WorkerData
/** Slot 0 holds the id of the task the pool wants stopped. */
const cancelled = new Int32Array(data.cancel)
/** Slot 0 changes when the pool asks for the models directory to be read again. */
const generation = new Int32Array(data.generation)

let flite: FliteEngine | undefined
let espeak: Promise<EspeakEngine> | undefined
const getFlite = () => (flite ??= new FliteEngine())
const getEspeak = () => (espeak ??= EspeakEngine.load())
let piper: { generation: number; engine: Promise<PiperEngine> } | undefined
/** Rescans only between tasks (a task awaits this first), so no running synthesis loses its session. */
function getPiper(): Promise<PiperEngine> {
  const now = Atomics.load(generation, 0)
  if (piper?.generation !== now) {
    const previous = piper?.engine
    piper = { generation: now, engine: (async () => PiperEngine.load(data.piper, getEspeak, await previous?.catch(() => undefined)))() }
  }
  return piper.engine
}
void getPiper().catch(() => {}) // a failure here is reported by the first request that needs Piper

const send = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer)

function sendChunk(id: number, samples: Int16Array): void {
  // Copy out of the engine's memory so the buffer can be transferred, not cloned.
  const own = samples.byteOffset === 0 && samples.buffer.byteLength === samples.byteLength ? samples : samples.slice()
  send({ type: 'chunk', id, samples: own.buffer as ArrayBuffer }, [own.buffer as ArrayBuffer])
}

async function handle(request: WorkerRequest): Promise<void> {
  const { id } = request
  switch (request.type) {
    case 'status': {
      const piperEngine = await getPiper()
      const voices = [...getFlite().voices(), ...(await getEspeak()).voices(), ...piperEngine.voices()]
      return send({ type: 'result', id, value: { voices, piper: piperEngine.status() } })
    }
    case 'phonemes': {
      return send({ type: 'result', id, value: (await getEspeak()).phonemize(request.text, request.voice) })
    }
    case 'synth': {
      const started = performance.now()
      const options = { voice: request.voice, speed: request.speed, pitch: request.pitch, words: request.words }
      if (request.engine === 'flite') {
        const { samples, words } = getFlite().synthesizeSync(request.text, options)
        sendChunk(id, samples)
        if (words) send({ type: 'words', id, words })
      } else if (request.engine === 'espeak') {
        const words = (await getEspeak()).synthesizeEach(request.text, options, (chunk) => {
          if (Atomics.load(cancelled, 0) === id) return true
          sendChunk(id, chunk)
        })
        if (request.words) send({ type: 'words', id, words })
      } else if (request.engine === 'piper') {
        // One chunk per sentence; the cancel slot is read before each next session.run. Piper's
        // models give no durations: the words are estimated from the audio (a copy, since
        // sending a chunk hands its buffer over).
        const made: Int16Array[] = []
        for await (const chunk of (await getPiper()).synthesize(request.text, options)) {
          if (Atomics.load(cancelled, 0) === id) break
          if (request.words) made.push(chunk.slice())
          sendChunk(id, chunk)
        }
        if (request.words) send({ type: 'words', id, words: estimateWords(request.text, concatSamples(made)) })
      } else {
        throw new Error(`no engine "${request.engine}"`)
      }
      return send({ type: 'done', id, engineMs: performance.now() - started })
    }
  }
}

port.on('message', (request: WorkerRequest) => {
  handle(request).catch((err: unknown) => send({ type: 'error', id: request.id, message: err instanceof Error ? err.message : String(err) }))
})
