// The settings of `npm run voices`: where the Piper catalog is, where voices go, and which running
// service to tell about a change. Read from the environment as the service's own (config.ts).
import { resolve } from 'node:path'
import { intSetting, urlSetting, type Env } from '../config.js'

/** The piper-voices repository at a fixed release: voices.json and the voices' folders under it. */
export const PIPER_VOICES_DEFAULT_URL = 'https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0/'

export interface VoicesCliConfig {
  modelsDir: string
  /** Where voices.json and the voice folders are; a mirror works. Always ends with '/'. */
  catalogUrl: string
  /** The running service, told to reload after a change when adminKey is set. */
  serviceUrl: string
  adminKey?: string
}

export function loadVoicesCliConfig(env: Env = process.env): VoicesCliConfig {
  const catalog = urlSetting(env, 'PIPER_VOICES_URL', ['https:', 'http:']) ?? PIPER_VOICES_DEFAULT_URL
  const port = intSetting(env, 'CHATTERBOX_PORT', intSetting(env, 'PORT', 8004, 0, 65535), 0, 65535)
  return {
    modelsDir: resolve(env.MODELS_DIR ?? './models'),
    catalogUrl: catalog.endsWith('/') ? catalog : `${catalog}/`,
    serviceUrl: (urlSetting(env, 'CALLWAITING_URL', ['https:', 'http:']) ?? `http://127.0.0.1:${port}`).replace(/\/+$/, ''),
    adminKey: env.CALLWAITING_ADMIN_KEY || undefined,
  }
}
