// Reading what /v1/tts sends back: raw bytes over plain HTTP (to see chunking), and checks of
// the audio itself through our WAV parser and through sox and mpg123, readers we did not write.
import { request as httpRequest } from 'node:http'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MPEGDecoder } from 'mpg123-decoder'

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  /** How many separate reads the body arrived in. */
  reads: number
}

export function postRaw(base: string, path: string, body: unknown, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (d: Buffer) => parts.push(d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), reads: parts.length }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

/** What sox makes of a file: rate, channels and duration in seconds. */
export function soxInfo(bytes: Uint8Array, soxType: 'wav' | 'raw16' | 'ul' | 'al', rate?: number): { rate: number; channels: number; seconds: number } {
  const dir = mkdtempSync(join(tmpdir(), 'cw-sox-'))
  try {
    const input = join(dir, 'in')
    writeFileSync(input, bytes)
    const typeArgs =
      soxType === 'wav' ? ['-t', 'wav'] :
      soxType === 'raw16' ? ['-t', 'raw', '-e', 'signed-integer', '-b', '16', '-L', '-c', '1', '-r', String(rate)] :
      ['-t', soxType, '-c', '1', '-r', String(rate)]
    // Re-encode to a plain WAV file of known length: sox has then read every sample.
    const out = join(dir, 'out.wav')
    execFileSync('sox', ['-V1', ...typeArgs, input, '-t', 'wav', '-e', 'signed-integer', '-b', '16', out])
    const soxi = (flag: string) => execFileSync('soxi', [flag, out]).toString().trim()
    return { rate: Number(soxi('-r')), channels: Number(soxi('-c')), seconds: Number(soxi('-D')) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** What an MP3 decoder we did not write (mpg123, in wasm) makes of a stream. */
export async function mp3Info(bytes: Uint8Array): Promise<{ rate: number; seconds: number; peak: number; errors: number }> {
  const decoder = new MPEGDecoder()
  await decoder.ready
  try {
    const { channelData, sampleRate, samplesDecoded, errors } = decoder.decode(bytes)
    const peak = channelData[0].reduce((m, v) => Math.max(m, Math.abs(v)), 0)
    return { rate: sampleRate, seconds: samplesDecoded / sampleRate, peak, errors: errors.length }
  } finally {
    decoder.free()
  }
}
