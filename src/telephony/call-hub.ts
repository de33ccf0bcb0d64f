// The live calls of this instance, and the way to reach a call held by another one. Behind nginx
// the API request for a call rarely lands on the instance that holds its socket, so a command for
// a call that is not here is published on `calls:cmd`; the instance that holds the call runs it
// and answers on the asker's own reply channel: an `ack` at once (with the result), and for a
// `say` that waits, a `done` once its last mark has been echoed.
import { randomUUID } from 'node:crypto'
import type { PubSub, Unsubscribe } from '../store/pubsub.js'
import type { VoiceInfo } from '../speech/engine.js'
import type { CallSession } from './call-session.js'
import { QueueFullError, type Outcome } from './speaker.js'

const COMMANDS = 'calls:cmd'
const replies = (instance: string) => `calls:reply:${instance}`

export interface SayArgs {
  text: string
  /** A voice slug; the call's own voice when absent. */
  voice?: string
  interrupt?: boolean
  /** Resolve `outcome` once the speech has played (or was cut short). */
  wait?: boolean
}

export interface SayResult {
  utterance: number
  /** With `wait`: how it went, and the words the caller heard to their end (and SSML marks reached). */
  outcome?: Outcome
  heard?: string
  marks?: string[]
}

export interface LiveInfo {
  callSid: string | null
  streamSid: string | null
  framesSent: number
  msPlayed: number
  speaking: boolean
  /** The text being spoken now, if any. */
  saying: string | null
  queued: number
}

/** Refusals a command can meet on the instance that holds the call. */
export class CommandError extends Error {
  constructor(readonly code: 'voice_not_found' | 'queue_full', message: string) {
    super(message)
  }
}

/** What each command answers with, from whichever instance holds the call. */
interface Results {
  say: SayResult
  clear: true
  info: LiveInfo
  close: true
}
type Op = keyof Results
type Command = { id: string; from: string; callSid: string } & ({ op: 'say'; say: SayArgs } | { op: Exclude<Op, 'say'> })
type Ack = { id: string; kind: 'ack'; result?: Results[Op]; error?: { code: CommandError['code']; message: string } }
/** After a `say` with `wait`: how the speech went. */
type Done = { id: string; kind: 'done'; result: { outcome: Outcome; heard?: string; marks?: string[] } }
type Reply = Ack | Done

interface Waiting {
  ack: (r: Ack | null) => void
  done?: (r: Done) => void
  timer: NodeJS.Timeout
}

export interface HubOptions {
  /** How long to wait for the instance holding a call to answer before deciding none does. */
  ackTimeoutMs?: number
  /** The longest a `say` with `wait` is waited on across instances. */
  maxWaitMs?: number
  log: { warn(o: object, m: string): void }
}

export class CallHub {
  readonly instance = randomUUID()
  private readonly sessions = new Map<string, CallSession>()
  private readonly waiting = new Map<string, Waiting>()
  private readonly unsubscribe: Unsubscribe[]

  constructor(
    private readonly pubsub: PubSub,
    private readonly voice: (slug: string) => VoiceInfo | undefined,
    private readonly o: HubOptions,
  ) {
    this.unsubscribe = [
      pubsub.subscribe(COMMANDS, (m) => this.onCommand(m)),
      pubsub.subscribe(replies(this.instance), (m) => this.onReply(m)),
    ]
  }

  /** Live sessions on this instance. */
  get size(): number {
    return this.sessions.size
  }

  local(callSid: string): CallSession | undefined {
    return this.sessions.get(callSid)
  }

  add(session: CallSession): void {
    if (session.callSid) this.sessions.set(session.callSid, session)
  }

  remove(session: CallSession): void {
    if (session.callSid && this.sessions.get(session.callSid) === session) this.sessions.delete(session.callSid)
  }

  /** null: no instance holds a live stream for this call. */
  async say(callSid: string, args: SayArgs): Promise<SayResult | null> {
    const session = this.sessions.get(callSid)
    if (session) {
      const u = this.sayHere(session, args)
      return args.wait ? { utterance: u.id, outcome: await u.done, ...u.heard() } : { utterance: u.id }
    }
    return this.remote(callSid, { op: 'say', say: args })
  }

  /** false: no instance holds a live stream for this call. */
  async clear(callSid: string): Promise<boolean> {
    const session = this.sessions.get(callSid)
    if (session) return session.clear('api'), true
    return (await this.remote(callSid, { op: 'clear' })) !== null
  }

  async info(callSid: string): Promise<LiveInfo | null> {
    const session = this.sessions.get(callSid)
    if (session) return session.info()
    return this.remote(callSid, { op: 'info' })
  }

  /** Ends the stream wherever it is (after a hang-up, so it stops at once). */
  async close(callSid: string): Promise<boolean> {
    const session = this.sessions.get(callSid)
    if (session) return session.close(1000, 'call hung up'), true
    return (await this.remote(callSid, { op: 'close' })) !== null
  }

  /** Lets every stream here finish its current segment; resolves once none is left, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    for (const s of [...this.sessions.values()]) s.finishUp()
    const until = Date.now() + timeoutMs
    while (this.sessions.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100))
  }

  /** Shutting down: every stream here is closed, every wait answered. */
  shutdown(): void {
    for (const u of this.unsubscribe) u()
    for (const s of [...this.sessions.values()]) s.close(1001, 'server shutting down')
    for (const [id, w] of this.waiting) {
      clearTimeout(w.timer)
      w.ack(null)
      w.done?.({ id, kind: 'done', result: { outcome: 'ended' } })
    }
    this.waiting.clear()
  }

  private sayHere(session: CallSession, args: SayArgs) {
    const voice = args.voice ? this.voice(args.voice) : undefined
    if (args.voice && !voice) throw new CommandError('voice_not_found', `No voice "${args.voice}" on this call's instance`)
    try {
      // Words are timed only for a say that waits: its answer says which the caller heard.
      return session.say(args.text, { voice, interrupt: args.interrupt, timed: args.wait })
    } catch (err) {
      if (err instanceof QueueFullError) throw new CommandError('queue_full', err.message)
      throw err
    }
  }

  // --- across instances -----------------------------------------------------------------------

  private async remote<O extends Op>(callSid: string, what: { op: O; say?: SayArgs }): Promise<Results[O] | null> {
    const id = randomUUID()
    const wait = what.op === 'say' && what.say?.wait === true
    let onDone: ((r: Done) => void) | undefined
    const done = wait ? new Promise<Done>((resolve) => (onDone = resolve)) : null
    const ack = new Promise<Ack | null>((resolve) => {
      const timer = setTimeout(() => this.settle(id, null), this.o.ackTimeoutMs ?? 1500)
      this.waiting.set(id, { ack: resolve, done: onDone, timer })
    })
    const command = { id, from: this.instance, callSid, ...what } as Command
    let where: 'redis' | 'local'
    try {
      where = await this.pubsub.publish(COMMANDS, JSON.stringify(command))
    } catch {
      where = 'local'
    }
    // Delivered in this process only: there is no other instance that could hold the call.
    if (where === 'local') this.settle(id, null)
    const answer = await ack
    if (!answer) return null
    if (answer.error) throw new CommandError(answer.error.code, answer.error.message)
    const result = answer.result as Results[O]
    if (!done) return result
    return { ...(result as SayResult), ...(await done).result } as Results[O]
  }

  private settle(id: string, reply: Ack | null): void {
    const w = this.waiting.get(id)
    if (!w) return
    clearTimeout(w.timer)
    w.ack(reply)
    if (reply && !reply.error && w.done) {
      // Keep waiting for `done`, but not forever: the other instance may die.
      w.timer = setTimeout(() => this.finish(id, { id, kind: 'done', result: { outcome: 'ended' } }), this.o.maxWaitMs ?? 600_000)
      w.timer.unref()
    } else {
      this.waiting.delete(id)
    }
  }

  private finish(id: string, reply: Done): void {
    const w = this.waiting.get(id)
    if (!w) return
    clearTimeout(w.timer)
    this.waiting.delete(id)
    w.done?.(reply)
  }

  private onReply(message: string): void {
    let reply: Reply
    try {
      reply = JSON.parse(message) as Reply
    } catch {
      return
    }
    if (reply.kind === 'ack') this.settle(reply.id, reply)
    else this.finish(reply.id, reply)
  }

  private onCommand(message: string): void {
    let c: Command
    try {
      c = JSON.parse(message) as Command
    } catch {
      return
    }
    const session = typeof c.callSid === 'string' ? this.sessions.get(c.callSid) : undefined
    if (!session || c.from === this.instance) return
    const answer = (r: Omit<Ack, 'id'> | Omit<Done, 'id'>) => {
      this.pubsub.publish(replies(c.from), JSON.stringify({ id: c.id, ...r })).catch(() => {})
    }
    try {
      switch (c.op) {
        case 'say': {
          const u = this.sayHere(session, c.say)
          answer({ kind: 'ack', result: { utterance: u.id } })
          if (c.say.wait) void u.done.then((outcome) => answer({ kind: 'done', result: { outcome, ...u.heard() } }))
          return
        }
        case 'clear':
          session.clear('api')
          return answer({ kind: 'ack', result: true })
        case 'info':
          return answer({ kind: 'ack', result: session.info() })
        case 'close':
          session.close(1000, 'call hung up')
          return answer({ kind: 'ack', result: true })
      }
    } catch (err) {
      if (err instanceof CommandError) return answer({ kind: 'ack', error: { code: err.code, message: err.message } })
      this.o.log.warn({ err: { message: (err as Error).message }, callSid: c.callSid }, 'call command failed')
    }
  }
}
