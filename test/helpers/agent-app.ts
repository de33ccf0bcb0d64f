// A stand-in for a voice app's agent server: a local WebSocket server the service connects to for
// each call. It keeps every socket, the headers it was opened with and every message it got, and
// lets a test answer as an app would (text tokens, end, anything malformed).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'

export interface AgentSocket {
  ws: WebSocket
  headers: IncomingHttpHeaders
  /** Every JSON message the service sent, in order. */
  messages: Record<string, unknown>[]
  closed: Promise<{ code: number }>
  send(m: unknown): void
  /** Resolves with the first message of this type (waiting for it if need be). */
  next(type: string, timeoutMs?: number): Promise<Record<string, unknown>>
  count(type: string): number
}

export interface AgentApp {
  /** ws://127.0.0.1:PORT/agent */
  url: string
  sockets: AgentSocket[]
  /** Resolves with the n-th socket (0-based) once the service has opened it. */
  socket(n?: number, timeoutMs?: number): Promise<AgentSocket>
  close(): Promise<void>
}

function until<T>(check: () => T | undefined, subscribe: (wake: () => void) => void, what: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs)
    const test = () => {
      const v = check()
      if (v === undefined) return subscribe(test)
      clearTimeout(timer)
      resolve(v)
    }
    test()
  })
}

export async function startAgentApp(): Promise<AgentApp> {
  const server: Server = createServer()
  const wss = new WebSocketServer({ server, path: '/agent' })
  const sockets: AgentSocket[] = []
  let wakers: (() => void)[] = []
  const wake = () => {
    const w = wakers
    wakers = []
    for (const f of w) f()
  }
  const subscribe = (f: () => void) => void wakers.push(f)
  wss.on('connection', (ws, req) => {
    const messages: Record<string, unknown>[] = []
    const socket: AgentSocket = {
      ws,
      headers: req.headers,
      messages,
      closed: new Promise((resolve) => ws.once('close', (code) => { resolve({ code }); wake() })),
      send: (m) => ws.readyState === WebSocket.OPEN && ws.send(typeof m === 'string' ? m : JSON.stringify(m)),
      next: (type, timeoutMs = 30_000) => until(() => messages.find((m) => m.type === type), subscribe, `agent message ${type}`, timeoutMs),
      count: (type) => messages.filter((m) => m.type === type).length,
    }
    ws.on('message', (data) => {
      messages.push(JSON.parse(data.toString()))
      wake()
    })
    sockets.push(socket)
    wake()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/agent`,
    sockets,
    socket: (n = 0, timeoutMs = 30_000) => until(() => sockets[n], subscribe, `agent socket ${n}`, timeoutMs),
    close: async () => {
      for (const s of sockets) s.ws.terminate()
      await new Promise<void>((resolve) => wss.close(() => server.close(() => resolve())))
    },
  }
}
