// A stand-in for the language models: a local HTTP server that answers OpenAI's Chat Completions
// (`/v1/chat/completions`) and Anthropic's Messages (`/v1/messages`) streaming APIs in their wire
// shapes, so the real SDKs can be pointed at it. Each request takes the next scripted reply: text
// streamed token by token, a tool call, an error status, or a response held open that never ends.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'

export type ScriptedReply =
  /** Text streamed as tokens; optionally followed by one tool call. */
  | { text?: string; tool?: { name: string; input?: Record<string, unknown> }; firstTokenMs?: number; tokenMs?: number }
  /** The request is answered with this HTTP status and the provider's JSON error body. */
  | { error: number }
  /** The response is held open: 'headers' = nothing at all is sent; 'first-token' = headers + the first token of `text` (or of 'Let me check'), then nothing. Never finishes until the client aborts or the server closes. */
  | { stall: 'headers' | 'first-token'; text?: string }

export interface ModelRequest {
  provider: 'openai' | 'anthropic'
  path: string
  headers: IncomingHttpHeaders
  body: any
  /** performance.now() when it arrived. */
  at: number
  /** True once the client closed the connection before the response ended. */
  aborted: boolean
}

export interface ModelStandIn {
  /** For `new OpenAI({ baseURL })`: http://127.0.0.1:PORT/v1 */
  openaiBaseUrl: string
  /** For `new Anthropic({ baseURL })`: http://127.0.0.1:PORT */
  anthropicBaseUrl: string
  requests: ModelRequest[]
  /** Appends replies to the script; each request takes the next one. With the script empty, a request gets `fallback`. */
  script(...replies: ScriptedReply[]): void
  /** Default { text: 'Sure.' }. */
  fallback: ScriptedReply
  /** Resolves with requests[n] once it has arrived (rejects after timeoutMs, default 30 s). */
  request(n: number, timeoutMs?: number): Promise<ModelRequest>
  /** Closes the server, ending held-open responses too. */
  close(): Promise<void>
}

/** Splits text roughly as an LLM tokenizer would: "Hello, there." → "Hello", ",", " there", ".". */
export function tokenize(text: string): string[] {
  return text.match(/\s*[\p{L}\p{N}'’]+|\s*[^\s\p{L}\p{N}'’]|\s+/gu) ?? []
}

const id = (prefix: string, bytes = 12) => prefix + randomBytes(bytes).toString('hex')

/** Characters of text in a message content (a string or an array of parts). */
function chars(content: unknown): number {
  if (typeof content === 'string') return content.length
  if (!Array.isArray(content)) return 0
  let n = 0
  for (const part of content) {
    if (typeof part?.text === 'string') n += part.text.length
    else if (part?.content !== undefined) n += chars(part.content)
  }
  return n
}

function promptTokens(body: any): number {
  let n = chars(body?.system)
  for (const m of Array.isArray(body?.messages) ? body.messages : []) n += chars(m?.content)
  return Math.ceil(n / 4)
}

function errorBody(provider: ModelRequest['provider'], status: number, message: string) {
  if (provider === 'openai') {
    const type = status === 429 ? 'requests' : status === 401 || status === 400 || status === 404 ? 'invalid_request_error' : 'server_error'
    const code = status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_api_key' : null
    return { error: { message, type, param: null, code } }
  }
  const type = status === 429 ? 'rate_limit_error' : status === 401 ? 'authentication_error' : status === 400 ? 'invalid_request_error'
    : status === 404 ? 'not_found_error' : status === 529 ? 'overloaded_error' : 'api_error'
  return { type: 'error', error: { type, message } }
}

function sendJson(res: ServerResponse, status: number, body: unknown, provider?: ModelRequest['provider']) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (provider === 'openai') headers['x-request-id'] = id('req_')
  if (provider === 'anthropic') headers['request-id'] = id('req_')
  res.writeHead(status, headers).end(JSON.stringify(body))
}

/** Pieces of a tool call's JSON arguments, as a model streams them. */
const jsonPieces = (input: Record<string, unknown> | undefined) => {
  const json = JSON.stringify(input ?? {})
  const pieces: string[] = []
  for (let i = 0; i < json.length; i += 8) pieces.push(json.slice(i, i + 8))
  return pieces
}

export async function startModelStandIn(): Promise<ModelStandIn> {
  const requests: ModelRequest[] = []
  const queue: ScriptedReply[] = []
  const open = new Set<ServerResponse>()
  let closing = false
  let wakers: (() => void)[] = []
  const wake = () => {
    const w = wakers
    wakers = []
    for (const f of w) f()
  }

  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()))

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const at = performance.now()
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const provider = req.method === 'POST' && path === '/v1/chat/completions' ? 'openai'
      : req.method === 'POST' && path === '/v1/messages' ? 'anthropic' : undefined
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    if (!provider) return sendJson(res, 404, { error: { message: `no route for ${req.method} ${path}` } })
    let body: any
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      return sendJson(res, 400, errorBody(provider, 400, 'request body is not valid JSON'), provider)
    }
    const record: ModelRequest = { provider, path, headers: req.headers, body, at, aborted: false }
    open.add(res)
    res.once('close', () => {
      open.delete(res)
      if (!res.writableFinished && !closing) record.aborted = true
      wake()
    })
    requests.push(record)
    wake()

    // @anthropic-ai/sdk v1 sends its apiKey as `authorization: Bearer …`; older ones as `x-api-key`.
    const bearer = /^Bearer \S/.test(req.headers.authorization ?? '')
    if (!(bearer || (provider === 'anthropic' && req.headers['x-api-key']))) {
      const message = provider === 'openai' ? 'Missing bearer authentication in header' : 'x-api-key or authorization header is required'
      return sendJson(res, 401, errorBody(provider, 401, message), provider)
    }
    if (body?.stream !== true) return sendJson(res, 400, errorBody(provider, 400, 'the stand-in only answers stream: true requests'), provider)

    const reply = queue.length ? queue.shift()! : stand.fallback
    if ('error' in reply) return sendJson(res, reply.error, errorBody(provider, reply.error, `scripted error ${reply.error}`), provider)
    if ('stall' in reply && reply.stall === 'headers') return

    const live = () => !res.destroyed && !res.writableEnded
    // No wait at all for 0 ms: the tokens then leave together, as a fast model's do.
    const sleep = (ms: number) => new Promise<boolean>((resolve) => {
      if (!live() || ms <= 0) return resolve(live())
      const done = () => {
        clearTimeout(timer)
        resolve(live())
      }
      const timer = setTimeout(() => {
        res.off('close', done)
        done()
      }, ms)
      res.once('close', done)
    })
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      [provider === 'openai' ? 'x-request-id' : 'request-id']: id('req_'),
    })
    const model = typeof body.model === 'string' ? body.model : 'stand-in'
    const stall = 'stall' in reply
    const tokens = tokenize(stall ? reply.text ?? 'Let me check' : reply.text ?? '')
    const tool = stall ? undefined : reply.tool
    const firstTokenMs = stall ? 0 : reply.firstTokenMs ?? 0
    const tokenMs = stall ? 0 : reply.tokenMs ?? 5
    const completionTokens = tokens.length + (tool ? 5 : 0)
    // Waits before the first token and between tokens; false once the client has gone.
    let first = true
    const pace = () => {
      const ms = first ? firstTokenMs : tokenMs
      first = false
      return sleep(ms)
    }

    if (provider === 'openai') {
      const chunkId = id('chatcmpl-')
      const created = Math.floor(Date.now() / 1000)
      const send = (delta: Record<string, unknown>, finish: string | null = null) => res.write(`data: ${JSON.stringify({
        id: chunkId, object: 'chat.completion.chunk', created, model, system_fingerprint: null,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      })}\n\n`)
      send({ role: 'assistant', content: '' })
      if (stall) {
        if (tokens.length) send({ content: tokens[0] })
        return
      }
      for (const token of tokens) {
        if (!(await pace())) return
        send({ content: token })
      }
      if (tool) {
        if (!(await pace())) return
        send({ tool_calls: [{ index: 0, id: id('call_'), type: 'function', function: { name: tool.name, arguments: '' } }] })
        for (const piece of jsonPieces(tool.input)) {
          if (!(await sleep(tokenMs))) return
          send({ tool_calls: [{ index: 0, function: { arguments: piece } }] })
        }
      }
      if (!(await sleep(tokens.length || tool ? tokenMs : firstTokenMs))) return
      send({}, tool ? 'tool_calls' : 'stop')
      if (body.stream_options?.include_usage) {
        const prompt = promptTokens(body)
        res.write(`data: ${JSON.stringify({
          id: chunkId, object: 'chat.completion.chunk', created, model, system_fingerprint: null, choices: [],
          usage: { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens },
        })}\n\n`)
      }
      res.end('data: [DONE]\n\n')
      return
    }

    const send = (data: Record<string, unknown> & { type: string }) => res.write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`)
    const inputTokens = promptTokens(body)
    send({
      type: 'message_start',
      message: {
        id: id('msg_'), type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: 1 },
      },
    })
    send({ type: 'ping' })
    let index = 0
    if (tokens.length) {
      send({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
      if (stall) return send({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: tokens[0] } })
      for (const token of tokens) {
        if (!(await pace())) return
        send({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: token } })
      }
      send({ type: 'content_block_stop', index })
      index++
    }
    if (stall) return
    if (tool) {
      if (!(await pace())) return
      send({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: id('toolu_'), name: tool.name, input: {} } })
      for (const piece of jsonPieces(tool.input)) {
        if (!(await sleep(tokenMs))) return
        send({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } })
      }
      send({ type: 'content_block_stop', index })
    }
    if (!(await sleep(tokens.length || tool ? tokenMs : firstTokenMs))) return
    send({
      type: 'message_delta',
      delta: { stop_reason: tool ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { input_tokens: inputTokens, output_tokens: completionTokens },
    })
    send({ type: 'message_stop' })
    res.end()
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const stand: ModelStandIn = {
    openaiBaseUrl: `http://127.0.0.1:${port}/v1`,
    anthropicBaseUrl: `http://127.0.0.1:${port}`,
    requests,
    script: (...replies) => void queue.push(...replies),
    fallback: { text: 'Sure.' },
    request: (n, timeoutMs = 30_000) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for model request ${n}`)), timeoutMs)
      const test = () => {
        const r = requests[n]
        if (r === undefined) return void wakers.push(test)
        clearTimeout(timer)
        resolve(r)
      }
      test()
    }),
    close: async () => {
      closing = true
      for (const res of open) res.destroy()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    },
  }
  return stand
}
