// A fixed pool of synthesis worker threads. Which waiting segment runs next is schedule.ts's
// choice: live speech by deadline, then REST work. (A general pool such as piscina can only cancel
// a running task by killing its thread; here a running eSpeak task stops at its next chunk and a
// running Flite task, at most one segment, finishes and is dropped.) The pool also measures what
// each voice costs it (costs.ts), for the admission control.
import type { Worker } from 'node:worker_threads'
import { join, resolve } from 'node:path'
import { startWorker } from '../worker-thread.js'
import { Channel, abortError } from './channel.js'
import type { SegmentWords, VoiceInfo } from './engine.js'
import type { PiperOptions, PiperStatus } from './engines/piper.js'
import type { SpeechStatus, SynthJob, WorkerData, WorkerReply, WorkerRequest } from './worker-protocol.js'
import { Schedule, type Priority, type Scheduled } from './schedule.js'
import { SynthesisCosts } from './costs.js'

export type { Priority }

export interface PoolOptions {
  /** Where Piper voices are looked for; default `./models`. */
  modelsDir?: string
  /** Where Piper voices run; default `cpu`. */
  device?: 'cpu' | 'cuda'
  /** Intra-op threads per Piper session; default 1, since there is a worker per core. */
  piperThreads?: number
  /** Gets each skipped model and the CUDA fallback once (again after a reload); default console.warn. */
  warn?: (message: string) => void
}

interface Task extends Scheduled {
  request: WorkerRequest
  channel: Channel<Int16Array | SegmentWords | SpeechStatus | string>
  cancelled: boolean
  /** Detaches the task from its abort signal once it is settled. */
  release?: () => void
  /** Samples it has sent back: what the pool measures a voice's cost against. */
  samples?: number
}

interface Slot {
  worker: Worker
  cancel: Int32Array
  task: Task | null
}

// Flite runs on node:wasi, which still prints an experimental warning in every thread.
const EXEC_ARGV = ['--disable-warning=ExperimentalWarning']

export class SynthesisPool {
  private readonly slots: Slot[] = []
  private readonly waiting = new Schedule<Task>()
  /** What each voice has cost the workers, as measured. */
  readonly costs = new SynthesisCosts()
  private nextId = 1
  private closing = false
  private readonly piper: PiperOptions
  /** Shared with every worker: bumped to make them rescan the models directory. */
  private readonly generation = new Int32Array(new SharedArrayBuffer(4))
  private readonly warn: (message: string) => void
  private readonly warned = new Set<string>()
  private last: SpeechStatus | undefined

  constructor(
    readonly size: number,
    options: PoolOptions = {},
  ) {
    this.piper = { modelsDir: resolve(options.modelsDir ?? 'models'), device: options.device ?? 'cpu', threads: options.piperThreads ?? 1 }
    this.warn = options.warn ?? ((message) => console.warn(message))
    for (let i = 0; i < size; i++) this.slots.push(this.spawn())
  }

  /** Tasks waiting for a free worker. */
  get queued(): number {
    return this.waiting.size
  }

  /** Tasks a worker is running now. */
  get running(): number {
    return this.slots.filter((s) => s.task).length
  }

  /**
   * PCM16 chunks of one segment, as the engine makes them, then, if `job.words`, when each of its
   * words was spoken. `due`: when live speech needs it (performance.now() ms), asked again whenever
   * a worker comes free.
   */
  synthesize(job: SynthJob, { signal, priority = 'normal', due }: { signal?: AbortSignal; priority?: Priority; due?: () => number } = {}): AsyncIterable<Int16Array | SegmentWords> {
    const task = this.enqueue({ type: 'synth', id: this.nextId++, ...job }, priority, signal, due)
    return task.channel as Channel<Int16Array | SegmentWords>
  }

  async voices(): Promise<VoiceInfo[]> {
    return (await this.status()).voices
  }

  /** Every engine's voices, and which Piper models were loaded, on which device, or skipped and why. */
  async status(): Promise<SpeechStatus> {
    const status = (await this.single(this.enqueue({ type: 'status', id: this.nextId++ }, 'high'))) as SpeechStatus
    this.reportProblems(status.piper)
    this.last = status
    return status
  }

  /** The latest status, without asking a worker: what /health and /metrics read on every poll. */
  get lastStatus(): SpeechStatus | undefined {
    return this.last
  }

  /** Reads the models directory again; each worker reopens what changed before its next task. */
  reload(): Promise<SpeechStatus> {
    Atomics.add(this.generation, 0, 1)
    this.warned.clear()
    return this.status()
  }

  phonemes(voice: string, text: string): Promise<string> {
    return this.single(this.enqueue({ type: 'phonemes', id: this.nextId++, voice, text }, 'high')) as Promise<string>
  }

  async close(): Promise<void> {
    this.closing = true
    for (const task of this.waiting.drain()) task.channel.fail(abortError())
    await Promise.all(this.slots.map((s) => s.worker.terminate()))
  }

  private reportProblems(piper: PiperStatus): void {
    const lines = piper.skipped.map((s) => `piper: skipped ${join(piper.modelsDir, s.file)}: ${s.reason}`)
    if (piper.warning) lines.unshift(`piper: ${piper.warning}`)
    for (const line of lines) {
      if (this.warned.has(line)) continue
      this.warned.add(line)
      this.warn(line)
    }
  }

  private async single(task: Task): Promise<unknown> {
    for await (const value of task.channel) return value
    throw new Error('worker gave no result')
  }

  private enqueue(request: WorkerRequest, priority: Priority, signal?: AbortSignal, due?: () => number): Task {
    const task: Task = { request, channel: new Channel(() => this.cancel(task)), cancelled: false, due }
    if (this.closing || signal?.aborted) {
      task.channel.fail(abortError())
      return task
    }
    if (signal) {
      // One listener per task on a signal that may outlive hundreds of tasks (a long text):
      // remove it as soon as the task is settled.
      const onAbort = () => this.cancel(task)
      signal.addEventListener('abort', onAbort, { once: true })
      task.release = () => signal.removeEventListener('abort', onAbort)
    }
    this.waiting.add(task, priority)
    this.dispatch()
    return task
  }

  private cancel(task: Task): void {
    if (task.cancelled) return
    task.cancelled = true
    task.release?.()
    task.channel.fail(abortError())
    if (this.waiting.remove(task)) return
    const slot = this.slots.find((s) => s.task === task)
    if (slot) Atomics.store(slot.cancel, 0, task.request.id)
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.task) continue
      const now = performance.now()
      const task = this.waiting.next(now)
      if (!task) return
      task.samples = 0
      slot.task = task
      slot.worker.ref()
      slot.worker.postMessage(task.request)
    }
  }

  private spawn(): Slot {
    const cancel = new SharedArrayBuffer(4)
    const workerData: WorkerData = { cancel, generation: this.generation.buffer as SharedArrayBuffer, piper: this.piper }
    const worker = startWorker(import.meta.url, 'worker', { workerData, execArgv: EXEC_ARGV })
    const slot: Slot = { worker, cancel: new Int32Array(cancel), task: null }
    worker.on('message', (reply: WorkerReply) => this.onReply(slot, reply))
    worker.on('error', (err) => this.onCrash(slot, err))
    worker.on('exit', (code) => this.onCrash(slot, new Error(`synthesis worker exited with code ${code}`)))
    // An idle worker must not keep the process alive on its own; a busy one is ref'd in dispatch.
    worker.unref()
    return slot
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    const task = slot.task
    if (!task || task.request.id !== reply.id) return
    if (reply.type === 'chunk') {
      task.samples! += reply.samples.byteLength / 2
      return task.channel.push(new Int16Array(reply.samples))
    }
    if (reply.type === 'words') return task.channel.push({ words: reply.words })
    if (reply.type === 'result') task.channel.push(reply.value)
    if (reply.type === 'error') task.channel.fail(new Error(reply.message))
    else task.channel.end()
    if (reply.type === 'done' && reply.engineMs !== undefined && !task.cancelled) this.measure(task, reply.engineMs)
    task.release?.()
    slot.task = null
    slot.worker.unref()
    this.dispatch()
  }

  private measure(task: Task, engineMs: number): void {
    const { request } = task
    const voice = request.type === 'synth' && this.last?.voices.find((v) => v.id === request.voice)
    if (voice) this.costs.record(voice, engineMs, (task.samples! / voice.sampleRate) * 1000)
  }

  private onCrash(slot: Slot, err: Error): void {
    if (this.closing) return
    slot.task?.release?.()
    slot.task?.channel.fail(err)
    slot.worker.removeAllListeners()
    const index = this.slots.indexOf(slot)
    if (index >= 0) this.slots[index] = this.spawn()
    this.dispatch()
  }
}
