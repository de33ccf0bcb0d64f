// A stand-in for Deepgram's streaming speech-to-text (`/v1/listen`): a local WebSocket server that
// takes raw μ-law frames and answers in Deepgram's message shapes. It "recognizes" by loudness
// only, with transcripts the test gives it (the n-th turn of a connection gets the n-th, the last
// one repeating): after 300 ms of sound an interim `Results` with its first words, after 600 ms of
// quiet following sound a final one (`is_final`, `speech_final`) with all of it, then `UtteranceEnd`.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { decodeMulaw } from '../../src/audio/g711.js'
import { rms, SOUND_RMS } from '../../src/telephony/caller-audio.js'

export interface ListenStandIn {
  url: string
  /** Each connection: its query, headers and the audio bytes it got. */
  connections: { query: URLSearchParams; headers: IncomingHttpHeaders; bytes: number; closedWith?: string }[]
  /** What connections opened from now on will hear, turn by turn. */
  transcripts: string[]
  /** performance.now() at each final transcript sent, on any connection. */
  finals: number[]
  /** Cuts every open connection, as a service that fails mid-call (1011). */
  drop(): void
  close(): Promise<void>
}

const results = (transcript: string, final: boolean) => JSON.stringify({
  type: 'Results', channel_index: [0, 1], duration: 1, start: 0, is_final: final, speech_final: final,
  channel: { alternatives: [{ transcript, confidence: 0.99, words: [] }] },
})

export async function startListenStandIn(transcript: string | string[]): Promise<ListenStandIn> {
  const server = createServer()
  const wss = new WebSocketServer({ server, path: '/v1/listen' })
  const connections: ListenStandIn['connections'] = []
  const finals: number[] = []
  const standIn = { transcripts: typeof transcript === 'string' ? [transcript] : transcript }
  wss.on('connection', (ws, req) => {
    const c: ListenStandIn['connections'][number] = { query: new URL(req.url!, 'http://x').searchParams, headers: req.headers, bytes: 0 }
    connections.push(c)
    const turns = standIn.transcripts
    let turn = 0
    let loud = 0
    let quiet = 0
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        c.closedWith = JSON.parse(data.toString()).type
        return
      }
      const frame = data as Buffer
      c.bytes += frame.length
      const said = turns[Math.min(turn, turns.length - 1)]
      if (rms(decodeMulaw(frame)) >= SOUND_RMS) {
        if (++loud === 15) ws.send(results(said.split(' ').slice(0, 4).join(' '), false))
        quiet = 0
      } else if (loud >= 15 && ++quiet === 30) {
        finals.push(performance.now())
        ws.send(results(said, true))
        ws.send(JSON.stringify({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: 1 }))
        loud = 0
        turn++
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return Object.assign(standIn, {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/listen`,
    connections,
    finals,
    drop: () => {
      for (const ws of wss.clients) ws.close(1011, 'internal error')
    },
    close: () => new Promise<void>((resolve) => {
      for (const ws of wss.clients) ws.terminate()
      wss.close(() => server.close(() => resolve()))
    }),
  })
}
