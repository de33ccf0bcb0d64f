// The built-in receptionist: a number's assistant (settings.ts) answers its callers through an LLM,
// as an in-process peer of the agent protocol an app speaks (../agent/peer.ts). Speaking, barge-in
// and the account of what was heard are the link's, as for any app. Each turn of the caller's
// (`prompt`) goes to the model with the conversation so far, and its reply is passed on token by
// token as it streams, to be spoken from the first complete clause. A reply the caller cut off
// stays in the conversation only as far as they heard it, so the model knows where it was stopped.
import type { AgentPeer, PeerEvents } from '../agent/peer.js'
import type { AgentMessage, ServerMessage } from '../agent/protocol.js'
import type { ChatMessage, ChatModel, ChatTool } from './model.js'
import type { AssistantSettings, Provider } from './settings.js'

const END_CALL: ChatTool = {
  name: 'end_call',
  description: 'Hang up. Call it once the caller has what they needed and you have said goodbye in your reply.',
}
const TRANSFER_CALL: ChatTool = {
  name: 'transfer_call',
  description: 'Put the caller through to a person at the office, when they ask for one or you cannot help. Tell them in your reply first.',
}

export type ReplyOutcome = 'ok' | 'error' | 'timeout'

/** The instance's counters for every assistant's replies (plugins/telephony.ts). */
export interface AssistantMetrics {
  tokens(provider: Provider, input: number, output: number): void
  replied(provider: Provider, outcome: ReplyOutcome): void
}

export interface AssistantDeps {
  settings: AssistantSettings
  model: ChatModel
  /** A model that sends nothing for this long has failed. */
  timeoutMs: number
  maxTokens: number
  /** Said when the model fails, unless the settings name their own. */
  apology: string
  /** Said when the call ends with nothing else said (max_turns reached, end_call without words). */
  goodbye: string
  /** Tokens a reply used, once it is over (however it ended). */
  usage(input: number, output: number): void
  replied(outcome: ReplyOutcome): void
  log: { warn(o: object, m: string): void }
}

/** The reply being written. */
interface Reply {
  controller: AbortController
  /** Its place in the conversation, once it has said something. */
  message: ChatMessage | null
  timedOut: boolean
}

export class Assistant implements AgentPeer {
  private readonly history: ChatMessage[] = []
  /** What the caller may be hearing now: cut to what they heard if they interrupt it. */
  private speaking: ChatMessage | null = null
  private reply: Reply | null = null
  private turns = 0
  private closed = false
  private readonly tools: ChatTool[]

  constructor(private readonly d: AssistantDeps, private readonly events: PeerEvents) {
    this.tools = d.settings.transfer_to ? [END_CALL, TRANSFER_CALL] : [END_CALL]
    queueMicrotask(() => !this.closed && events.opened())
  }

  send(m: ServerMessage): void {
    if (this.closed) return
    // What answers a message is sent after the link's call returns, never from inside it.
    if (m.type === 'setup') queueMicrotask(() => this.say(this.d.settings.greeting))
    else if (m.type === 'prompt') queueMicrotask(() => void this.answer(m.voicePrompt))
    else if (m.type === 'interrupt') this.interrupted(m.utteranceUntilInterrupt)
    else if (m.type === 'error') this.d.log.warn({ description: m.description }, 'the call refused what the assistant sent')
  }

  close(): void {
    this.closed = true
    this.cancel()
  }

  private emit(m: AgentMessage): void {
    if (!this.closed) this.events.message({ ok: true, message: m })
  }

  /** Words of its own (the greeting, an apology, a goodbye), whole. */
  private say(text: string): void {
    const message: ChatMessage = { role: 'assistant', content: text }
    this.history.push(message)
    this.speaking = message
    this.emit({ type: 'text', token: text, last: true, preemptible: false })
  }

  private cancel(): void {
    const reply = this.reply
    this.reply = null
    reply?.controller.abort()
  }

  private interrupted(heard: string): void {
    this.cancel()
    const message = this.speaking
    this.speaking = null
    if (!message) return
    if (heard) message.content = heard
    else this.history.splice(this.history.indexOf(message), 1)
  }

  private async answer(prompt: string): Promise<void> {
    if (this.closed) return
    // A reply still being written when the caller spoke again stands as far as it got.
    this.cancel()
    this.history.push({ role: 'user', content: prompt })
    const { max_turns, transfer_to, model, instructions } = this.d.settings
    if (max_turns !== undefined && this.turns >= max_turns) return this.finish(null, transfer_to ? 'transfer_call' : 'end_call')
    this.turns++
    const reply: Reply = { controller: new AbortController(), message: null, timedOut: false }
    this.reply = reply
    let timer: NodeJS.Timeout | undefined
    const arm = () => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        reply.timedOut = true
        reply.controller.abort()
      }, this.d.timeoutMs)
    }
    let tool: string | null = null
    // A provider may report usage in pieces (Anthropic: input first, output at the end): one record a reply.
    const used = { input: 0, output: 0 }
    try {
      arm()
      const messages = this.history.map((m) => ({ ...m }))
      for await (const e of this.d.model.reply({ model, system: instructions, messages, tools: this.tools, maxTokens: this.d.maxTokens }, reply.controller.signal)) {
        if (this.reply !== reply) return
        arm()
        if (e.type === 'usage') {
          used.input += e.input
          used.output += e.output
        }
        else if (e.type === 'tool') tool ??= e.name
        else if (e.text) this.write(reply, e.text)
      }
    } catch (err) {
      // Aborted because the caller cut in or the call ended: nothing went wrong.
      if (this.reply !== reply) return
      return this.failed(reply, err as Error)
    } finally {
      clearTimeout(timer)
      if (used.input || used.output) this.d.usage(used.input, used.output)
    }
    if (this.reply !== reply) return
    // The SDKs may end a stream aborted mid-way as if it were complete.
    if (reply.timedOut) return this.failed(reply, new Error(`nothing from the model for ${this.d.timeoutMs} ms`))
    this.reply = null
    this.d.replied('ok')
    this.finish(reply, tool)
  }

  private write(reply: Reply, text: string): void {
    if (!reply.message) {
      reply.message = { role: 'assistant', content: '' }
      this.history.push(reply.message)
      this.speaking = reply.message
    }
    reply.message.content += text
    this.emit({ type: 'text', token: text, last: false, preemptible: false })
  }

  /** The reply is written: it is spoken to its end, then the tool it asked for is carried out. */
  private finish(reply: Reply | null, tool: string | null): void {
    if (reply?.message) this.emit({ type: 'text', token: '', last: true, preemptible: false })
    const { transfer_to } = this.d.settings
    if (tool === 'transfer_call' && transfer_to) return this.emit({ type: 'end', transferTo: transfer_to })
    if (tool === 'end_call') {
      if (!reply?.message) this.say(this.d.goodbye)
      this.emit({ type: 'end' })
    }
  }

  /** The model failed or stalled: the caller hears an apology, then is transferred if that can be, else the call ends. */
  private failed(reply: Reply, err: Error): void {
    this.reply = null
    const outcome = reply.timedOut ? 'timeout' : 'error'
    this.d.replied(outcome)
    this.d.log.warn({ outcome, err: { message: err.message } }, 'assistant model failed: apologizing')
    if (reply.message) this.emit({ type: 'text', token: '', last: true, preemptible: false })
    this.say(this.d.settings.apology ?? this.d.apology)
    const { transfer_to } = this.d.settings
    this.emit({ type: 'end', ...(transfer_to ? { transferTo: transfer_to } : {}) })
  }
}
