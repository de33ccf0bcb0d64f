// One onnxruntime session per Piper model: opened on the requested device (CUDA falling back to
// the CPU), checked against the inputs and output a Piper voice has, and warmed up once, so the
// first caller does not pay for the lazy allocations of the first run.
import type { InferenceSession } from 'onnxruntime-node'
import { BOS, EOS, PAD, type PiperConfig } from './config.js'

export type Device = 'cpu' | 'cuda'

export interface SessionSettings {
  device: Device
  /** Intra-op threads of each session (the pool already runs one worker per core). */
  threads: number
}

export interface PiperModel {
  session: InferenceSession
  device: Device
  output: string
}

type Ort = typeof import('onnxruntime-node')
let ort: Promise<Ort> | undefined

/** onnxruntime is loaded only by a worker that has a Piper voice to open. */
function loadOrt(): Promise<Ort> {
  return (ort ??= import('onnxruntime-node').then((m) => {
    // A provider that cannot load is reported by the thrown error (and once, by the pool);
    // onnxruntime would also print it to stderr from every worker.
    m.env.logLevel = 'fatal'
    return m
  }))
}

export class ModelMismatchError extends Error {}

/**
 * Opens `path` on the requested device, or on the CPU when CUDA fails; the reason lands in
 * `cuda.failed`, which also spares later models of the same scan a second failed attempt.
 */
export async function openModel(path: string, config: PiperConfig, settings: SessionSettings, cuda: { failed?: string }): Promise<PiperModel> {
  const { InferenceSession } = await loadOrt()
  const base: InferenceSession.SessionOptions = {
    intraOpNumThreads: settings.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // Idle intra-op threads must not spin on cores that other synthesis workers need.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  }
  let session: InferenceSession | undefined
  let device: Device = 'cpu'
  if (settings.device === 'cuda' && !cuda.failed) {
    try {
      session = await InferenceSession.create(path, { ...base, executionProviders: [CUDA_PROVIDER] })
      device = 'cuda'
    } catch (err) {
      cuda.failed = (err as Error).message
    }
  }
  session ??= await InferenceSession.create(path, { ...base, executionProviders: ['cpu'] })
  try {
    const output = checkSignature(session, config)
    const model = { session, device, output }
    await warmUp(model, config)
    return model
  } catch (err) {
    await session.release()
    throw err
  }
}

/**
 * Piper's own users found HEURISTIC necessary for short sentences (EXHAUSTIVE re-benchmarks cuDNN
 * for every new input length). onnxruntime-node 1.29 forwards only `deviceId` to the CUDA
 * provider, so the option takes effect with a binding that forwards provider options.
 */
const CUDA_PROVIDER = { name: 'cuda', deviceId: 0, cudnn_conv_algo_search: 'HEURISTIC' } as InferenceSession.ExecutionProviderConfig

const EXPECTED: Record<string, { type: string; rank: number }> = {
  input: { type: 'int64', rank: 2 },
  input_lengths: { type: 'int64', rank: 1 },
  scales: { type: 'float32', rank: 1 },
  sid: { type: 'int64', rank: 1 },
}

/** The name of the audio output, after checking the model takes exactly Piper's inputs. */
function checkSignature(session: InferenceSession, config: PiperConfig): string {
  const wanted = ['input', 'input_lengths', 'scales', ...(config.numSpeakers > 1 ? ['sid'] : [])]
  const have = session.inputNames
  const missing = wanted.filter((n) => !have.includes(n))
  const extra = have.filter((n) => !wanted.includes(n))
  if (missing.length || extra.length) {
    const why = [missing.length ? `lacks ${missing.join(', ')}` : '', extra.length ? `has unexpected ${extra.join(', ')}` : ''].filter(Boolean).join(' and ')
    const speakers = config.numSpeakers > 1 ? `${config.numSpeakers} speakers` : 'one speaker'
    throw new ModelMismatchError(`model inputs do not match a Piper voice with ${speakers}: it ${why}`)
  }
  for (const meta of session.inputMetadata) {
    const expected = EXPECTED[meta.name]
    if (!meta.isTensor || meta.type !== expected.type || meta.shape.length !== expected.rank) {
      throw new ModelMismatchError(`model input ${meta.name} must be a rank-${expected.rank} ${expected.type} tensor`)
    }
  }
  const output = session.outputMetadata[0]
  if (!output?.isTensor || output.type !== 'float32') throw new ModelMismatchError('model output must be a float32 tensor of audio')
  return output.name
}

/** Piper's inputs for one sentence; with `batch` > 1, that sentence as each row of a batch. */
export function feeds(ort: Pick<Ort, 'Tensor'>, ids: number[], scales: [number, number, number], sid: number | null, batch = 1): InferenceSession.FeedsType {
  const { Tensor } = ort
  const input = new BigInt64Array(batch * ids.length)
  for (let i = 0; i < input.length; i++) input[i] = BigInt(ids[i % ids.length])
  return {
    input: new Tensor('int64', input, [batch, ids.length]),
    input_lengths: new Tensor('int64', new BigInt64Array(batch).fill(BigInt(ids.length)), [batch]),
    scales: new Tensor('float32', Float32Array.from(scales), [3]),
    ...(sid === null ? {} : { sid: new Tensor('int64', new BigInt64Array(batch).fill(BigInt(sid)), [batch]) }),
  }
}

export async function run(model: PiperModel, ids: number[], scales: [number, number, number], sid: number | null): Promise<Float32Array> {
  const result = await model.session.run(feeds(await loadOrt(), ids, scales, sid), [model.output])
  return result[model.output].data as Float32Array
}

async function warmUp(model: PiperModel, config: PiperConfig): Promise<void> {
  const map = config.phonemeIdMap
  const ids = [...map.get(BOS)!, ...map.get(PAD)!, ...map.get(EOS)!]
  await run(model, ids, [config.noiseScale, config.lengthScale, config.noiseW], config.numSpeakers > 1 ? 0 : null)
}
