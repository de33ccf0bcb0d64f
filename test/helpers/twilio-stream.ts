// A stand-in for Twilio's side of a bidirectional Media Stream, over a real WebSocket. It sends
// what Twilio sends (connected, start, media, dtmf, mark echoes, stop; sequence numbers, chunks
// and timestamps as strings), checks every frame the service sends against the protocol (written
// here from TWILIO.md, not from the service's own code), and plays the audio on a virtual clock:
// 160 bytes are 20 ms at 8 kHz (divided by `speed`), a mark is echoed when the audio received
// before it has played, and a clear drops what is buffered and echoes every pending mark at once.
import { randomBytes } from 'node:crypto'
import twilio from 'twilio'
import { WebSocket } from 'ws'
import { parseMark, type MarkKind } from '../../src/telephony/playout.js'

export const FRAME = 160
const B64 = /^[A-Za-z0-9+/]*={0,2}$/

export const sid = (prefix: string) => prefix + randomBytes(16).toString('hex')

export interface StreamOptions {
  /** Where to connect: ws://127.0.0.1:PORT/twilio/media (nginx's upstream). */
  url: string
  /** What Twilio signs: the public wss:// URL from the TwiML. */
  signedUrl: string
  authToken: string
  /** Override the signature header; null sends none. */
  signature?: string | null
  callSid?: string
  streamSid?: string
  accountSid?: string
  customParameters?: Record<string, string>
  /** Playback speed: 1 is real time; tests play faster. */
  speed?: number
}

export interface Received {
  event: 'media' | 'mark' | 'clear'
  /** media: the decoded payload; mark: its name. */
  bytes?: Buffer
  name?: string
  at: number
}

export class TwilioStream {
  readonly callSid: string
  readonly streamSid: string
  readonly accountSid: string
  /** Every frame the service sent, in order. */
  readonly received: Received[] = []
  /** What the service did wrong, one line each. Tests expect this to stay empty. */
  readonly violations: string[] = []
  readonly echoed: string[] = []
  /** Media frames that arrived after the buffer had run dry mid-speech, and by how much (ms). */
  underruns = 0
  maxGapMs = 0
  firstMediaAt = 0
  /** The most frames ever received beyond the last echoed mark: what the service sent ahead. */
  maxAheadFrames = 0
  /** At each clear: bytes received until then, and how many of them were still buffered (never heard). */
  readonly clears: { received: number; buffered: number }[] = []
  startSentAt = 0
  closed: Promise<{ code: number; reason: string }>
  readonly speed: number

  private seq = 0
  private chunk = 0
  private started = false
  private bufferEnd = 0
  private mediaFrames = 0
  private confirmedFrames = 0
  private readonly pending: { name: string; frames: number; timer: NodeJS.Timeout }[] = []
  private listeners: (() => void)[] = []
  private closedInfo: { code: number; reason: string } | null = null

  private constructor(
    readonly ws: WebSocket,
    o: StreamOptions,
  ) {
    this.callSid = o.callSid ?? sid('CA')
    this.streamSid = o.streamSid ?? sid('MZ')
    this.accountSid = o.accountSid ?? sid('AC')
    this.speed = o.speed ?? 1
    ws.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary))
    this.closed = new Promise((resolve) =>
      ws.once('close', (code: number, reason: Buffer) => {
        for (const p of this.pending.splice(0)) clearTimeout(p.timer)
        this.closedInfo = { code, reason: reason.toString() }
        resolve(this.closedInfo)
        this.notify()
      }),
    )
  }

  /** Opens the socket as Twilio would (signed upgrade); rejects with the HTTP status if refused. */
  static open(o: StreamOptions): Promise<TwilioStream> {
    const signature = o.signature === undefined ? twilio.getExpectedTwilioSignature(o.authToken, o.signedUrl, {}) : o.signature
    const ws = new WebSocket(o.url, { headers: signature === null ? {} : { 'x-twilio-signature': signature } })
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TwilioStream(ws, o)))
      ws.on('unexpected-response', (_req, res) => {
        reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode }))
        res.resume()
        ws.terminate()
      })
      ws.once('error', reject)
    })
  }

  /** connected + start, as Twilio opens every stream. */
  begin(customParameters: Record<string, string>): void {
    this.sendJson({ event: 'connected', protocol: 'Call', version: '1.0.0' })
    this.sendStart(customParameters)
  }

  sendStart(customParameters: Record<string, string>): void {
    this.started = true
    this.startSentAt = performance.now()
    this.sendJson({
      event: 'start', sequenceNumber: this.nextSeq(), streamSid: this.streamSid,
      start: {
        streamSid: this.streamSid, accountSid: this.accountSid, callSid: this.callSid, tracks: ['inbound'],
        customParameters, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    })
  }

  /** Caller audio (silence by default). */
  sendMedia(payload = Buffer.alloc(FRAME, 0xff)): void {
    const chunk = ++this.chunk
    this.sendJson({
      event: 'media', sequenceNumber: this.nextSeq(), streamSid: this.streamSid,
      media: { track: 'inbound', chunk: String(chunk), timestamp: String(chunk * 20), payload: payload.toString('base64') },
    })
  }

  sendDtmf(digit: string): void {
    this.sendJson({ event: 'dtmf', sequenceNumber: this.nextSeq(), streamSid: this.streamSid, dtmf: { track: 'inbound_track', digit } })
  }

  sendStop(): void {
    this.sendJson({ event: 'stop', sequenceNumber: this.nextSeq(), streamSid: this.streamSid, stop: { accountSid: this.accountSid, callSid: this.callSid } })
  }

  sendJson(message: unknown): void {
    this.sendRaw(JSON.stringify(message))
  }

  sendRaw(data: string | Buffer): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data)
  }

  close(): void {
    this.ws.close(1000)
  }

  get isClosed(): boolean {
    return this.closedInfo !== null
  }

  /** Media bytes received, in order; from the frame after index `from` in `received`. */
  audio(from = 0): Buffer {
    return Buffer.concat(this.received.slice(from).filter((r) => r.event === 'media').map((r) => r.bytes!))
  }

  /** Media bytes that have played by now (the rest is still buffered). */
  heardBytes(): number {
    const received = this.audio().length
    return received - Math.min(received, Math.round(Math.max(0, this.bufferEnd - performance.now()) * 8 * this.speed))
  }

  /** Caller audio in real time, a frame every 20 ms (catching up after a late timer), as a phone line sends it. */
  async sendPaced(frames: Buffer<ArrayBuffer>[], onFrame?: (i: number) => void): Promise<void> {
    const start = performance.now()
    for (let i = 0; i < frames.length && !this.isClosed; i++) {
      const wait = start + i * 20 - performance.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      onFrame?.(i)
      this.sendMedia(frames[i])
    }
  }

  count(event: Received['event']): number {
    return this.received.filter((r) => r.event === event).length
  }

  /** Resolves when `check` holds (re-tested on every frame and close), or rejects after `timeoutMs`. */
  until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    if (check()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== listener)
        reject(new Error(`timed out waiting for ${what}`))
      }, timeoutMs)
      const listener = () => {
        if (!check()) return
        clearTimeout(timer)
        this.listeners = this.listeners.filter((l) => l !== listener)
        resolve()
      }
      this.listeners.push(listener)
    })
  }

  /** Until one of the service's marks of this kind (`e`: an utterance's end) has been echoed. */
  echoOf(kind: MarkKind, timeoutMs?: number): Promise<void> {
    return this.until(() => this.echoed.some((n) => parseMark(n)?.kind === kind), `echo of a ${kind} mark`, timeoutMs)
  }

  private nextSeq(): string {
    return String(++this.seq)
  }

  private notify(): void {
    for (const l of [...this.listeners]) l()
  }

  private violation(what: string): void {
    if (this.violations.length < 50) this.violations.push(what)
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    const now = performance.now()
    if (isBinary) return this.violation('binary frame (Twilio error 31950)')
    let m: Record<string, unknown>
    try {
      m = JSON.parse(data.toString('utf8'))
    } catch {
      return this.violation('frame is not JSON (31951)')
    }
    if (!this.started) this.violation(`${String(m.event)} sent before start`)
    if (m.streamSid !== this.streamSid) this.violation(`wrong or missing streamSid: ${JSON.stringify(m.streamSid)}`)
    const keys = Object.keys(m).sort().join()
    switch (m.event) {
      case 'media': {
        const media = m.media as Record<string, unknown> | undefined
        if (keys !== 'event,media,streamSid' || !media || Object.keys(media).join() !== 'payload') this.violation(`media message shape: ${keys}`)
        const payload = media?.payload
        if (typeof payload !== 'string' || !B64.test(payload) || payload.length % 4 !== 0) return this.violation('payload is not base64')
        const bytes = Buffer.from(payload, 'base64')
        if (bytes.length !== FRAME) this.violation(`media payload of ${bytes.length} bytes, not ${FRAME}`)
        this.play(bytes, now)
        return
      }
      case 'mark': {
        const name = (m.mark as Record<string, unknown> | undefined)?.name
        if (keys !== 'event,mark,streamSid' || typeof name !== 'string' || name === '') return this.violation('mark without a name')
        this.received.push({ event: 'mark', name, at: now })
        // Echoed once the audio before it has played, or at once when nothing is buffered.
        const delay = Math.max(0, this.bufferEnd - now)
        const entry = { name, frames: this.mediaFrames, timer: setTimeout(() => this.echo(entry), delay) }
        this.pending.push(entry)
        this.notify()
        return
      }
      case 'clear':
        if (keys !== 'event,streamSid') this.violation(`clear message shape: ${keys}`)
        this.received.push({ event: 'clear', at: now })
        const received = this.audio().length
        this.clears.push({ received, buffered: Math.min(received, Math.round(Math.max(0, this.bufferEnd - now) * 8 * this.speed)) })
        this.bufferEnd = now
        this.confirmedFrames = this.mediaFrames
        // Twilio echoes every pending mark after a clear, though that audio was never heard.
        for (const p of this.pending.splice(0)) {
          clearTimeout(p.timer)
          this.sendEcho(p.name)
        }
        this.notify()
        return
      default:
        this.violation(`event ${JSON.stringify(m.event)} is not one the service may send`)
    }
  }

  private play(bytes: Buffer, now: number): void {
    if (this.firstMediaAt === 0) this.firstMediaAt = now
    else if (now > this.bufferEnd && this.lastWasMedia()) {
      // The buffer ran dry between two frames of the same speech: the caller heard a gap.
      this.underruns++
      this.maxGapMs = Math.max(this.maxGapMs, now - this.bufferEnd)
    }
    this.received.push({ event: 'media', bytes, at: now })
    this.mediaFrames++
    this.maxAheadFrames = Math.max(this.maxAheadFrames, this.mediaFrames - this.confirmedFrames)
    this.bufferEnd = Math.max(now, this.bufferEnd) + (bytes.length / 8000) * 1000 / this.speed
    this.notify()
  }

  /** True while the previous frame was audio, not an end-of-utterance mark. */
  private lastWasMedia(): boolean {
    for (let i = this.received.length - 1; i >= 0; i--) {
      const r = this.received[i]
      if (r.event === 'media') return true
      if (r.event === 'clear' || parseMark(r.name ?? '')?.kind === 'e') return false
    }
    return false
  }

  private echo(entry: { name: string; frames: number; timer: NodeJS.Timeout }): void {
    const i = this.pending.indexOf(entry)
    if (i < 0) return
    // In order: a mark's audio cannot finish before the audio of the marks ahead of it.
    for (const p of this.pending.splice(0, i + 1)) {
      clearTimeout(p.timer)
      this.confirmedFrames = Math.max(this.confirmedFrames, p.frames)
      this.sendEcho(p.name)
    }
  }

  private sendEcho(name: string): void {
    this.echoed.push(name)
    this.sendJson({ event: 'mark', sequenceNumber: this.nextSeq(), streamSid: this.streamSid, mark: { name } })
    this.notify()
  }
}

/** The stream URL and parameters in the TwiML the service answered with. */
export function parseStreamTwiml(xml: string): { url: string; parameters: Record<string, string> } {
  const url = /<Connect><Stream url="([^"]+)"/.exec(xml)?.[1]
  if (!url) throw new Error(`no <Connect><Stream> in ${xml}`)
  const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
  const parameters: Record<string, string> = {}
  for (const m of xml.matchAll(/<Parameter name="([^"]*)" value="([^"]*)"\/>/g)) parameters[unescape(m[1])] = unescape(m[2])
  return { url: unescape(url), parameters }
}
