// Piper-shaped ONNX models built in the test itself (no weights are downloaded): the same inputs
// and output as a real Piper voice, so the engine cannot tell them apart.
//
// The test model turns every phoneme id into round(SAMPLES_PER_ID × length_scale) samples of the
// value (id + SPEAKER_STEP × sid) / VALUE_DIVISOR, so a test can read back from the audio which ids
// were sent, at which length scale and for which speaker.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import onnxProto from 'onnx-proto'
import type { onnx as Onnx } from 'onnx-proto'

export const SAMPLES_PER_ID = 8
export const SPEAKER_STEP = 64
export const VALUE_DIVISOR = 1024

// onnx-proto is CommonJS (`module.exports = root`): its namespace is the default export here.
const { onnx } = onnxProto
const { TensorProto } = onnx
type DataType = Onnx.TensorProto.DataType
const FLOAT = TensorProto.DataType.FLOAT
const INT64 = TensorProto.DataType.INT64

/** Symbols of the test voices' phoneme_id_map: Piper's specials and punctuation, then the IPA eSpeak gives for English. */
const SYMBOLS = [
  '_', '^', '$', ' ', '!', "'", '(', ')', ',', '-', '.', ':', ';', '?',
  ...'abcdefghijklmnopqrstuvwxyz',
  ...'æçðøħŋœɐɑɒɓɔɕɖɗɘəɚɛɜɝɞɟɠɡɢɣɤɥɦɧɨɪɫɬɭɮɯɰɱɲɳɴɵɶɸɹɺɻɽɾʀʁʂʃʄʈʉʊʋʌʍʎʏʐʑʒʔʕʘʙʛʜʝʟʡʢʲˈˌːˑ˞βθχᵻⱱ',
  '\u0303', '\u0327', '\u0329', '\u032a', '\u032f', '\u033a', '\u033b',
]
export const PHONEME_ID_MAP: Record<string, number[]> = Object.fromEntries(SYMBOLS.map((s, i) => [s, [i]]))

// ---- a tiny graph builder over onnx-proto ----

type Attr = number | number[] | string | Onnx.ITensorProto

function attribute(name: string, value: Attr): Onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) }
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value }
  if (typeof value === 'number') return Number.isInteger(value) ? { name, type: T.INT, i: value } : { name, type: T.FLOAT, f: value }
  return { name, type: T.TENSOR, t: value }
}

export function tensor(name: string, dims: number[], data: number[] | Float32Array, type: DataType = FLOAT): Onnx.ITensorProto {
  if (type === INT64) return { name, dims, dataType: type, int64Data: Array.from(data) }
  const floats = data instanceof Float32Array ? data : Float32Array.from(data)
  return { name, dims, dataType: type, rawData: new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength) }
}

export class Graph {
  readonly nodes: Onnx.INodeProto[] = []
  readonly initializers: Onnx.ITensorProto[] = []
  private n = 0

  op(type: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    const output = `${type.toLowerCase()}_${this.n++}`
    this.nodes.push({ opType: type, input: inputs, output: [output], attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) })
    return output
  }

  const(dims: number[], data: number[] | Float32Array, type: DataType = FLOAT): string {
    const name = `const_${this.n++}`
    this.initializers.push(tensor(name, dims, data, type))
    return name
  }

  ints(...values: number[]): string {
    return this.const([values.length], values, INT64)
  }

  model(inputs: Onnx.IValueInfoProto[], outputs: Onnx.IValueInfoProto[], opset = 13): Uint8Array {
    // The output keeps its dynamic shape; the final op's result is renamed to the output's name.
    this.nodes.at(-1)!.output = [outputs[0].name!]
    return onnx.ModelProto.encode({
      irVersion: 7,
      opsetImport: [{ domain: '', version: opset }],
      producerName: 'callwaiting-tests',
      graph: { name: 'piper_like', node: this.nodes, initializer: this.initializers, input: inputs, output: outputs },
    }).finish()
  }
}

export function valueInfo(name: string, type: DataType, dims: (number | string)[]): Onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: type, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  }
}

/** Piper's inputs; a real export leaves the batch axis open (`batch_size`), the test model fixes it at 1. */
export const PIPER_INPUTS = (sid: boolean, batch: number | string = 1) => [
  valueInfo('input', INT64, [batch, 'phonemes']),
  valueInfo('input_lengths', INT64, [batch]),
  valueInfo('scales', FLOAT, [3]),
  ...(sid ? [valueInfo('sid', INT64, [batch])] : []),
]
export const PIPER_OUTPUT = (batch: number | string = 1) => valueInfo('output', FLOAT, [batch, 1, 'time'])

/**
 * `[1, N, ...channels]` per id → `[1, N, frames, ...channels]`: each id's values repeated
 * round(framesPerId × length_scale) times along a new axis 2.
 */
export function repeatPerId(g: Graph, values: string, framesPerId: number, channels: number[] = []): string {
  const lengthScale = g.op('Gather', ['scales', g.const([], [1], INT64)], { axis: 0 })
  const repeats = g.op('Cast', [g.op('Round', [g.op('Mul', [lengthScale, g.const([], [framesPerId])])])], { to: INT64 })
  const parts = [g.op('Shape', ['input']), g.op('Reshape', [repeats, g.ints(1)]), ...(channels.length ? [g.ints(...channels)] : [])]
  return g.op('Expand', [g.op('Unsqueeze', [values, g.ints(2)]), g.op('Concat', parts, { axis: 0 })])
}

/** The checkable test model described at the top of this file; `batch` names an open batch axis. */
export function testModel({ speakers = 1, batch = 1 }: { speakers?: number; batch?: number | string } = {}): Uint8Array {
  const g = new Graph()
  let value = g.op('Cast', ['input'], { to: FLOAT })
  if (speakers > 1) value = g.op('Add', [value, g.op('Mul', [g.op('Cast', ['sid'], { to: FLOAT }), g.const([], [SPEAKER_STEP])])])
  // input_lengths and the noise scales take part (× 0), so the graph really consumes every input.
  const unused = g.op('Add', [g.op('Cast', ['input_lengths'], { to: FLOAT }), g.op('ReduceSum', ['scales'], { keepdims: 0 })])
  value = g.op('Add', [g.op('Div', [value, g.const([], [VALUE_DIVISOR])]), g.op('Mul', [unused, g.const([], [0])])])
  g.op('Reshape', [repeatPerId(g, value, SAMPLES_PER_ID), g.ints(1, 1, -1)])
  return g.model(PIPER_INPUTS(speakers > 1, batch), [PIPER_OUTPUT(batch)])
}

export interface VoiceFiles {
  name: string
  speakers?: number
  /** Overrides merged into the generated .onnx.json (null drops a field). */
  config?: Record<string, unknown>
  model?: Uint8Array
}

export function piperConfig({ speakers = 1, config = {} }: Pick<VoiceFiles, 'speakers' | 'config'> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    audio: { sample_rate: 22050, quality: 'x_low' },
    espeak: { voice: 'en-us' },
    inference: { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 },
    phoneme_type: 'espeak',
    phoneme_id_map: PHONEME_ID_MAP,
    num_symbols: SYMBOLS.length,
    num_speakers: speakers,
    speaker_id_map: speakers > 1 ? Object.fromEntries(Array.from({ length: speakers }, (_, i) => [`speaker_${String.fromCharCode(97 + i)}`, i])) : {},
    language: { code: 'en_US' },
    dataset: 'test',
  }
  for (const [k, v] of Object.entries(config)) {
    if (v === null) delete base[k]
    else base[k] = v
  }
  return base
}

/** Writes NAME.onnx and NAME.onnx.json into `dir`. */
export function writeVoice(dir: string, voice: VoiceFiles): void {
  writeFileSync(join(dir, `${voice.name}.onnx`), voice.model ?? testModel({ speakers: voice.speakers }))
  writeFileSync(join(dir, `${voice.name}.onnx.json`), JSON.stringify(piperConfig(voice)))
}

/** Reads the ids back out of a test model's audio (PCM16), run by run of equal samples. */
export function decodeIds(pcm: Int16Array, sid = 0): number[] {
  const ids: number[] = []
  for (let i = 0; i < pcm.length; ) {
    let j = i
    while (j < pcm.length && pcm[j] === pcm[i]) j++
    const count = Math.round((j - i) / SAMPLES_PER_ID)
    const id = Math.round((pcm[i] / 32767) * VALUE_DIVISOR) - SPEAKER_STEP * sid
    for (let k = 0; k < count; k++) ids.push(id)
    i = j
  }
  return ids
}

/**
 * A model of about Piper medium's size and cost (random weights; for timing only): embed each id
 * in 192 channels, 3 frames per id (× length_scale), then a HiFi-GAN-like decoder that upsamples
 * ×8 ×8 ×2 ×2 (256 samples per frame) from 512 channels down to 32, with 3-tap convolutions between.
 * Its batch axis is open, as in Piper's own export, so a benchmark can run several segments at once.
 */
export function mediumLikeModel(seed = 1): Uint8Array {
  let state = seed
  const random = (n: number, scale: number) => {
    const out = new Float32Array(n)
    for (let i = 0; i < n; i++) {
      state = (state * 1664525 + 1013904223) >>> 0
      out[i] = ((state / 2 ** 32) * 2 - 1) * scale
    }
    return out
  }
  const g = new Graph()
  const symbols = SYMBOLS.length
  const embedded = g.op('Gather', [g.const([symbols, 192], random(symbols * 192, 1)), 'input']) // [B, N, 192]
  const frames = g.op('Reshape', [repeatPerId(g, embedded, 3, [192]), g.ints(0, -1, 192)]) // [B, frames, 192]; 0 keeps B
  let x = g.op('Transpose', [frames], { perm: [0, 2, 1] })
  const conv = (input: string, cin: number, cout: number, k: number) =>
    g.op('Conv', [input, g.const([cout, cin, k], random(cout * cin * k, 1 / Math.sqrt(cin * k))), g.const([cout], random(cout, 0.01))], { pads: [(k - 1) >> 1, k >> 1] })
  x = conv(x, 192, 512, 7)
  let channels = 512
  for (const rate of [8, 8, 2, 2]) {
    const out = channels / 2
    x = g.op('LeakyRelu', [x], { alpha: 0.1 })
    x = g.op('ConvTranspose', [x, g.const([channels, out, rate * 2], random(channels * out * rate * 2, 1 / Math.sqrt(channels * 2)))], { strides: [rate], pads: [rate / 2, rate / 2] })
    for (const _ of [0, 1]) x = g.op('Add', [x, conv(g.op('LeakyRelu', [x], { alpha: 0.1 }), out, out, 3)])
    channels = out
  }
  g.op('Reshape', [g.op('Tanh', [conv(g.op('LeakyRelu', [x], { alpha: 0.01 }), channels, 1, 7)]), g.ints(0, 1, -1)])
  return g.model(PIPER_INPUTS(false, 'batch_size'), [PIPER_OUTPUT('batch_size')])
}
