// Phone calls on the app: the WebSocket server for media streams, the hub of live calls (with
// commands routed between instances over pub/sub), the Twilio REST client, the built-in
// assistant's models, and the call metrics.
import websocket from '@fastify/websocket'
import { Counter, Gauge, Histogram } from 'prom-client'
import type { Config } from '../config.js'
import { CallHub } from '../telephony/call-hub.js'
import type { CallMetrics } from '../telephony/call-session.js'
import type { AssistantMetrics } from '../telephony/assistant/assistant.js'
import { createModels, type ChatModel } from '../telephony/assistant/model.js'
import type { Provider } from '../telephony/assistant/settings.js'
import { createCallsApi, type CallsApi } from '../telephony/rest.js'
import { tokenKey } from '../telephony/signature.js'
import { StartHints } from '../telephony/start-hints.js'
import { global } from './global.js'

export interface Telephony {
  hub: CallHub
  /** Null until TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set. */
  api: CallsApi | null
  /** Null until TWILIO_AUTH_TOKEN is set: without it no webhook or stream can be trusted. */
  tokenKey: Buffer | null
  metrics: CallMetrics
  /** What calls answered or placed here will say, for a stream that lands here to start early. */
  hints: StartHints
  /** The built-in assistant's models: the providers whose API key is set. */
  models: Partial<Record<Provider, ChatModel>>
  assistantMetrics: AssistantMetrics
}

declare module 'fastify' {
  interface FastifyInstance {
    telephony: Telephony
  }
}

const FIRST_MEDIA_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

export default global(async (app, { config }: { config: Config }) => {
  const hub = new CallHub(app.pubsub, (slug) => app.synth.voice(slug), { log: app.log })
  await app.register(websocket, {
    // Twilio's messages are small JSON; nothing legitimate comes near this.
    // A browser on /v1/speak offers its key as the subprotocol `token, KEY`: the answer names `token`.
    options: { maxPayload: 64 * 1024, perMessageDeflate: false, handleProtocols: (offered) => (offered.has('token') ? 'token' : false) },
    // ws's own errors on a stream (a frame over maxPayload, a malformed frame) and a reset
    // connection are the peer's doing: a warning, where the plugin's default logs an error with a
    // stack. Anything else reaching here is ours and stays an error. The socket is dropped either way.
    errorHandler: (err, socket, request) => {
      const code = (err as NodeJS.ErrnoException).code ?? ''
      if (code.startsWith('WS_ERR_') || code === 'ECONNRESET' || code === 'EPIPE') request.log.warn({ code, reason: err.message }, 'media stream socket error')
      else request.log.error({ err }, 'media stream handler failed')
      socket.terminate()
    },
    // In place of the plugin's own, which closes every socket at once. A deploy should not hang
    // up on callers mid-word: each live stream finishes the segment it is speaking, within the
    // drain time (new requests are refused with 503 while the app closes), and is then closed
    // with 1001 (going away).
    preClose: async () => {
      if (hub.size > 0) app.log.info({ calls: hub.size }, 'waiting for live calls to end')
      await hub.drain(config.drainTimeoutMs)
      hub.shutdown()
      for (const client of app.websocketServer.clients) client.close(1001, 'server shutting down')
      await new Promise<void>((resolve) => app.websocketServer.close(() => resolve()))
    },
  })

  const registry = app.metrics.registry
  new Gauge({ name: 'tts_active_calls', help: 'Media streams live on this instance', registers: [registry], collect() { this.set(hub.size) } })
  const frames = new Counter({ name: 'tts_call_frames_sent_total', help: '20 ms μ-law frames sent to callers', registers: [registry] })
  const errors = new Counter({ name: 'tts_call_protocol_errors_total', help: 'Malformed or unexpected media stream messages, by reason', labelNames: ['reason'], registers: [registry] })
  const firstMedia = new Histogram({ name: 'tts_call_time_to_first_media_seconds', help: "Time from a stream's start to its first media frame", buckets: FIRST_MEDIA_BUCKETS, registers: [registry] })
  const bargeIns = new Counter({ name: 'tts_call_barge_ins_total', help: 'Speech cleared on a live call, by DTMF or through the API', labelNames: ['source'], registers: [registry] })
  const modelTokens = new Counter({ name: 'tts_assistant_tokens_total', help: "Tokens the built-in assistant's models read (input) and wrote (output)", labelNames: ['provider', 'kind'], registers: [registry] })
  const replies = new Counter({ name: 'tts_assistant_replies_total', help: "The built-in assistant's replies: ok, or the model failed (error) or stalled (timeout)", labelNames: ['provider', 'outcome'], registers: [registry] })

  const { accountSid, authToken, apiBaseUrl } = config.twilio
  app.decorate('telephony', {
    hub,
    api: accountSid && authToken ? createCallsApi(accountSid, authToken, apiBaseUrl) : null,
    tokenKey: authToken ? tokenKey(authToken) : null,
    metrics: {
      framesSent: (n) => frames.inc(n),
      protocolError: (reason) => errors.inc({ reason }),
      firstMedia: (s) => firstMedia.observe(s),
      bargeIn: (source) => bargeIns.inc({ source }),
    },
    hints: new StartHints(config.calls.streamTokenTtlS * 1000),
    models: createModels(config.assistant),
    assistantMetrics: {
      tokens: (provider, input, output) => {
        modelTokens.inc({ provider, kind: 'input' }, input)
        modelTokens.inc({ provider, kind: 'output' }, output)
      },
      replied: (provider, outcome) => replies.inc({ provider, outcome }),
    },
  } satisfies Telephony)

})
