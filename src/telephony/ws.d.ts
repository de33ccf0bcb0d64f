// The parts of `ws` (8.x) this project uses. @types/ws is not installed and package.json is not
// ours to change; without this, `ws` and @fastify/websocket's socket type are `any`.
declare module 'ws' {
  import type { EventEmitter } from 'node:events'
  import type { IncomingMessage, ClientRequest, OutgoingHttpHeaders } from 'node:http'

  export type RawData = Buffer | ArrayBuffer | Buffer[]

  export interface ClientOptions {
    headers?: OutgoingHttpHeaders
    maxPayload?: number
    perMessageDeflate?: boolean
  }

  export class WebSocket extends EventEmitter {
    static readonly CONNECTING: 0
    static readonly OPEN: 1
    static readonly CLOSING: 2
    static readonly CLOSED: 3
    constructor(url: string | URL, options?: ClientOptions)
    readonly readyState: 0 | 1 | 2 | 3
    readonly bufferedAmount: number
    send(data: string | Buffer | Uint8Array, cb?: (err?: Error) => void): void
    send(data: string | Buffer | Uint8Array, options: { binary?: boolean }, cb?: (err?: Error) => void): void
    close(code?: number, reason?: string | Buffer): void
    terminate(): void
    on(event: 'message', listener: (data: RawData, isBinary: boolean) => void): this
    on(event: 'close', listener: (code: number, reason: Buffer) => void): this
    on(event: 'error', listener: (err: Error) => void): this
    on(event: 'open', listener: () => void): this
    on(event: 'unexpected-response', listener: (req: ClientRequest, res: IncomingMessage) => void): this
    on(event: string | symbol, listener: (...args: any[]) => void): this
    once(event: 'close', listener: (code: number, reason: Buffer) => void): this
    once(event: 'open', listener: () => void): this
    once(event: string | symbol, listener: (...args: any[]) => void): this
  }

  export interface ServerOptions {
    maxPayload?: number
    perMessageDeflate?: boolean
    noServer?: boolean
    [option: string]: unknown
  }

  export class WebSocketServer extends EventEmitter {
    constructor(options?: ServerOptions)
    readonly clients: Set<WebSocket>
    close(cb?: (err?: Error) => void): void
  }

  export { WebSocketServer as Server }
  export default WebSocket
}
