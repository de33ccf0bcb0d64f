// The other end of a call's agent protocol: an app reached over a WebSocket (here), or the built-in
// assistant (../assistant/assistant.ts), which takes and gives the same messages in-process.
import { WebSocket } from 'ws'
import { parseAgentMessage, type Parsed, type ServerMessage } from './protocol.js'
import { SIGNATURE_HEADER, signAgentUrl } from './signing.js'

export interface PeerEvents {
  /** The peer is ready for `setup`. */
  opened(): void
  /** A message from it, checked (protocol.ts). */
  message(m: Parsed): void
  /** It is gone. */
  closed(why: string): void
}

export interface AgentPeer {
  send(m: ServerMessage): void
  close(code: number, reason: string): void
}

const CONNECT_TIMEOUT_MS = 5000
const OPEN = 1

/** The app's WebSocket, signed with AGENT_SIGNING_SECRET when there is one. */
export function socketPeer(
  url: string, signingSecret: string | undefined, events: PeerEvents,
  log: { warn(o: object, m: string): void },
): AgentPeer {
  const headers = signingSecret ? { [SIGNATURE_HEADER]: signAgentUrl(signingSecret, url) } : {}
  const ws = new WebSocket(url, { headers, handshakeTimeout: CONNECT_TIMEOUT_MS, maxPayload: 1024 * 1024, perMessageDeflate: false })
  ws.on('open', () => events.opened())
  ws.on('message', (data, isBinary) => events.message(parseAgentMessage(data as Buffer, isBinary)))
  ws.on('error', (err) => log.warn({ err: { message: err.message } }, 'agent socket error'))
  ws.on('close', (code) => events.closed(`agent socket closed (${code})`))
  return {
    send: (m) => void (ws.readyState === OPEN && ws.send(JSON.stringify(m))),
    close: (code, reason) => void (ws.readyState <= OPEN && ws.close(code, reason)),
  }
}
