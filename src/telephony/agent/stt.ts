// The speech-to-text bridge (optional, with STT_URL): the caller's audio streamed to a service
// speaking Deepgram's streaming `listen` protocol, raw μ-law at 8 kHz with interim results. Final
// pieces of a turn are gathered until the service says the caller finished speaking
// (`speech_final`, or an `UtteranceEnd`): that turn is the agent's `prompt`. Interim transcripts
// are passed on as they come, so a few clear words can cut the agent short as the VAD does.
import { WebSocket } from 'ws'

const OPEN = 1
/** With interim results on, Deepgram sends UtteranceEnd after this much silence following speech. */
const UTTERANCE_END_MS = 1000

export interface SttEvents {
  interim(transcript: string): void
  /** A complete turn of the caller's. */
  final(transcript: string): void
  failed(why: string): void
}

interface Results {
  type: 'Results'
  is_final?: boolean
  speech_final?: boolean
  channel?: { alternatives?: { transcript?: string }[] }
}

export class SpeechToText {
  private readonly ws: WebSocket
  private pieces: string[] = []

  constructor(settings: { url: string; apiKey?: string }, language: string, private readonly on: SttEvents) {
    const url = new URL(settings.url)
    const query = { encoding: 'mulaw', sample_rate: '8000', channels: '1', interim_results: 'true', utterance_end_ms: String(UTTERANCE_END_MS), language }
    for (const [k, v] of Object.entries(query)) if (!url.searchParams.has(k)) url.searchParams.set(k, v)
    const headers = settings.apiKey ? { Authorization: `Token ${settings.apiKey}` } : {}
    this.ws = new WebSocket(url, { headers, handshakeTimeout: 5000, perMessageDeflate: false })
    this.ws.on('message', (data, isBinary) => !isBinary && this.onMessage(data.toString()))
    this.ws.on('error', (err) => on.failed(err.message))
    this.ws.on('close', (code) => code !== 1000 && on.failed(`closed with ${code}`))
  }

  /** One frame of the caller's μ-law; dropped while the socket is not open. */
  send(mulaw: Buffer): void {
    if (this.ws.readyState === OPEN) this.ws.send(mulaw)
  }

  close(): void {
    if (this.ws.readyState === OPEN) this.ws.send(JSON.stringify({ type: 'CloseStream' }))
    if (this.ws.readyState <= OPEN) this.ws.close(1000)
  }

  private onMessage(text: string): void {
    let m: Results | { type: 'UtteranceEnd' } | { type?: unknown }
    try {
      m = JSON.parse(text)
    } catch {
      return
    }
    if (m.type === 'UtteranceEnd') return this.endTurn()
    if (m.type !== 'Results') return
    const r = m as Results
    const transcript = r.channel?.alternatives?.[0]?.transcript?.trim() ?? ''
    if (!r.is_final) {
      if (transcript) this.on.interim(transcript)
      return
    }
    if (transcript) this.pieces.push(transcript)
    if (r.speech_final) this.endTurn()
  }

  private endTurn(): void {
    const turn = this.pieces.join(' ')
    this.pieces = []
    if (turn) this.on.final(turn)
  }
}
