// Audio in the page: raw PCM16 played as it arrives (Web Audio, chunk after chunk), G.711 μ-law
// decoded as a phone would, and a waveform drawn from the samples.
let ctx = null

/** The page's one AudioContext, made (or woken) inside a click: browsers allow sound only then. */
export function audioContext() {
  ctx ??= new AudioContext()
  if (ctx.state === 'suspended') void ctx.resume()
  return ctx
}

/** Little-endian 16-bit samples to floats. */
export function pcm16ToFloat(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Float32Array(bytes.byteLength >> 1)
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 32768
  return out
}

/** G.711 μ-law bytes to floats (ITU-T G.711, as the telephone network decodes them). */
export function mulawToFloat(bytes) {
  const out = new Float32Array(bytes.length)
  for (let i = 0; i < bytes.length; i++) {
    const u = ~bytes[i] & 0xff
    const magnitude = ((((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4)) - 0x84
    out[i] = (u & 0x80 ? -magnitude : magnitude) / 32768
  }
  return out
}

/** G.711 A-law bytes to floats (ITU-T G.711). */
export function alawToFloat(bytes) {
  const out = new Float32Array(bytes.length)
  for (let i = 0; i < bytes.length; i++) {
    const a = bytes[i] ^ 0x55
    const segment = (a & 0x70) >> 4
    let t = ((a & 0x0f) << 4) + (segment === 0 ? 8 : 0x108)
    if (segment > 1) t <<= segment - 1
    out[i] = (a & 0x80 ? t : -t) / 32768
  }
  return out
}

/** /v1/speak's encodings: each one's decoder and bytes per sample. */
const ENCODINGS = {
  linear16: { decode: pcm16ToFloat, width: 2 },
  mulaw: { decode: mulawToFloat, width: 1 },
  alaw: { decode: alawToFloat, width: 1 },
}

/** Plays chunks back to back as they arrive; knows when each second of the stream is heard. */
export class StreamPlayer {
  constructor(rate, encoding = 'linear16') {
    this.ctx = audioContext()
    this.rate = rate
    this.encoding = ENCODINGS[encoding]
    this.samples = []
    this.length = 0
    this.pieces = [] // { offset (s of stream), at (context time) }
    this.sources = new Set()
    this.next = 0
    this.carry = null
  }

  /** Queues a chunk of audio; returns the context time at which it will sound. */
  push(bytes) {
    let data = new Uint8Array(bytes)
    if (this.carry !== null) {
      data = Uint8Array.of(this.carry, ...data)
      this.carry = null
    }
    // A 16-bit sample split across two messages: its first byte waits for the rest.
    if (data.length % this.encoding.width) {
      this.carry = data[data.length - 1]
      data = data.subarray(0, data.length - 1)
    }
    const floats = this.encoding.decode(data)
    if (floats.length === 0) return this.next
    const buffer = this.ctx.createBuffer(1, floats.length, this.rate)
    buffer.copyToChannel(floats, 0)
    const source = this.ctx.createBufferSource()
    source.buffer = buffer
    source.connect(this.ctx.destination)
    // Back to back; the first chunk, or one after the audio ran dry, at once (the next render quantum).
    const at = Math.max(this.next, this.ctx.currentTime)
    source.start(at)
    this.sources.add(source)
    source.onended = () => this.sources.delete(source)
    this.pieces.push({ offset: this.length / this.rate, at })
    this.samples.push(floats)
    this.length += floats.length
    this.next = at + buffer.duration
    return at
  }

  /** The context time at which the stream's second `s` sounds (null before it is scheduled). */
  timeOf(s) {
    let piece = null
    for (const p of this.pieces) if (p.offset <= s) piece = p
    return piece ? piece.at + (s - piece.offset) : null
  }

  /** How far playback has got, in seconds of the stream. */
  position() {
    const now = this.ctx.currentTime
    let pos = 0
    for (const p of this.pieces) if (p.at <= now) pos = p.offset + (now - p.at)
    return Math.min(pos, this.length / this.rate)
  }

  get done() {
    return this.ctx.currentTime >= this.next
  }

  stop() {
    for (const s of this.sources) s.stop()
    this.sources.clear()
  }
}

/** Plays a whole clip of floats at `rate`; resolves when it has played. */
export function playClip(floats, rate) {
  const c = audioContext()
  const buffer = c.createBuffer(1, floats.length, rate)
  buffer.copyToChannel(floats, 0)
  const source = c.createBufferSource()
  source.buffer = buffer
  source.connect(c.destination)
  source.start()
  return new Promise((resolve) => (source.onended = resolve))
}

/** Min/max per column of `chunks` (Float32Arrays), `played` of it (0..1) in the accent colour. */
export function drawWaveform(canvas, chunks, total, played) {
  const width = (canvas.width = canvas.clientWidth * devicePixelRatio)
  const height = (canvas.height = canvas.clientHeight * devicePixelRatio)
  const g = canvas.getContext('2d')
  const style = getComputedStyle(canvas)
  g.clearRect(0, 0, width, height)
  if (total === 0) return
  const per = Math.max(1, Math.ceil(total / width))
  // Scaled to its own peak: a quiet voice still shows its shape.
  let peak = 1e-3
  for (const chunk of chunks) for (let i = 0; i < chunk.length; i++) peak = Math.max(peak, Math.abs(chunk[i]))
  let column = 0, lo = 1, hi = -1, n = 0
  const wave = style.getPropertyValue('--wave').trim()
  const rest = style.getPropertyValue('--line').trim()
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      const v = chunk[i] / peak
      if (v < lo) lo = v
      if (v > hi) hi = v
      if (++n === per) {
        g.fillStyle = column / width <= played ? wave : rest
        g.fillRect(column, ((1 - hi) / 2) * height, 1, Math.max(1, ((hi - lo) / 2) * height))
        column++
        lo = 1; hi = -1; n = 0
      }
    }
  }
}
