// Speech as an HTTP response, shared by POST /v1/tts and POST /v1/audio/speech: the status line
// and headers wait for the first audio (so a failure before it is still a proper JSON error, and
// time to first audio is measured honestly), then every chunk is encoded and written as soon as
// the synthesizer yields it, as a chunked response. A client that goes away aborts the synthesis.
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { contentType, createEncoder, encodeChunks, type AudioFormat, type Encoder } from '../audio/encoder.js'
import { ApiError } from '../errors.js'
import { prefetch } from '../speech/prefetch.js'
import { warnSsml } from './read-text.js'
import type { Segment } from '../speech/read.js'
import type { CatalogVoice } from '../store/voice-catalog.js'
import type { Bill } from '../usage/metering.js'

export interface AudioRequest {
  /** As the client sent it: what the characters are counted on. */
  text: string
  /** The text, read once by the route. */
  segments: Segment[]
  /** What SSML asked for that could not be done (a header tells the client). */
  warnings?: string[]
  voice: CatalogVoice
  format: AudioFormat
  sampleRate: number
}

export const nothingToSay = (what = 'text') => new ApiError('validation_failed', `${what} has nothing that can be spoken`)

/**
 * The request admitted to the pool (or refused, busy, before any work) and its bill, told what is
 * spoken, with the text's characters taken from the quota. `release` gives its place back.
 */
export async function charge(app: FastifyInstance, request: FastifyRequest, p: AudioRequest): Promise<{ bill: Bill; release: () => void }> {
  const bill = request.meter!
  Object.assign(bill, { voice: p.voice.slug, format: p.format })
  if (p.segments.length === 0) throw nothingToSay()
  const release = app.admission.rest(p.segments[0].voice, p.segments.reduce((n, s) => n + s.text.length, 0))
  try {
    await bill.charge(p.text)
  } catch (err) {
    release()
    throw err
  }
  return { bill, release }
}

export async function replyWithAudio(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, p: AudioRequest): Promise<FastifyReply> {
  const { bill, release } = await charge(app, request, p)
  reply.raw.once('close', release) // the response is complete, or its client went away
  const started = performance.now()
  const controller = new AbortController()
  let encoder: Encoder | undefined
  // A client gone stops the synthesis and frees the encoder, even if the body never started.
  const onClose = () => {
    if (reply.raw.writableFinished) return
    controller.abort()
    encoder?.close()
  }
  reply.raw.once('close', onClose)
  const speech = prefetch(app.synth.stream(p.segments, { signal: controller.signal, rate: p.voice.sampleRate }), (c) => c.samples.length > 0)
  try {
    await speech.ready
    const ttfa = performance.now() - started
    bill.firstAudio(ttfa)
    app.metrics.ttfa.observe({ format: p.format }, ttfa / 1000)
    // Made while the engine works on the next segment (an MP3 encoder may have to be started).
    encoder = await createEncoder(p.format, { inputRate: p.voice.sampleRate, outputRate: p.sampleRate })
    if (controller.signal.aborted) encoder.close() // the client left while it was made
  } catch (err) {
    reply.raw.off('close', onClose)
    controller.abort()
    throw err
  }
  const enc: Encoder = encoder
  const msPerSample = 1000 / p.voice.sampleRate
  let completed = false
  async function* body(): AsyncGenerator<Uint8Array> {
    try {
      yield* encodeChunks(speech.chunks, enc, { after: (c) => bill.addAudio(c.samples.length * msPerSample) })
      completed = true
      app.metrics.ttsDuration.observe({ format: p.format }, (performance.now() - started) / 1000)
    } catch (err) {
      // After the status line a failure can only cut the response short; the usage row says why.
      if (!controller.signal.aborted) {
        bill.failed = true
        request.log.error({ err }, 'synthesis failed mid-stream')
      }
      throw err
    } finally {
      reply.raw.off('close', onClose)
      // Stops whatever synthesis is still queued or running, and frees the encoder. (Not after a
      // normal end: an abort builds an AbortError with a stack trace, a real cost at thousands of
      // requests a second.)
      if (!completed) {
        controller.abort()
        enc.close()
      }
    }
  }
  warnSsml(reply, p.warnings)
  return reply
    .header('content-type', contentType(p.format, p.sampleRate))
    .header('x-sample-rate', p.sampleRate)
    .header('cache-control', 'no-store')
    .send(Readable.from(body(), { objectMode: false, highWaterMark: 64 * 1024 }))
}
