// Which Piper voices a models directory holds: NAME.onnx beside NAME.onnx.json. A file without its
// partner is reported rather than ignored, because it is almost always a half-finished copy.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

export interface ModelFiles {
  name: string
  onnx: string
  json: string
  /** Changes when the .onnx file does, so a reload reopens only what changed. */
  version: string
}

export interface Skipped {
  /** File name inside the models directory. */
  file: string
  reason: string
}

export function findModels(dir: string): { models: ModelFiles[]; skipped: Skipped[]; dirMissing: boolean } {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { models: [], skipped: [], dirMissing: true }
    throw err
  }
  const files = new Set(names)
  const models: ModelFiles[] = []
  const skipped: Skipped[] = []
  for (const file of [...files].sort()) {
    if (file.endsWith('.onnx.json')) {
      if (!files.has(file.slice(0, -'.json'.length))) skipped.push({ file, reason: `no ${file.slice(0, -'.json'.length)} beside it` })
    } else if (file.endsWith('.onnx')) {
      if (!files.has(`${file}.json`)) {
        skipped.push({ file, reason: `no ${file}.json (the voice's config) beside it` })
        continue
      }
      const onnx = join(dir, file)
      const stat = statSync(onnx)
      models.push({ name: file.slice(0, -'.onnx'.length), onnx, json: `${onnx}.json`, version: `${stat.size}:${stat.mtimeMs}` })
    }
  }
  return { models, skipped, dirMissing: false }
}
