// Deepgram's Aura model names (`aura-2-thalia-en`, `aura-asteria-en`) → our voices, so that a
// client written for Deepgram works unchanged, as OpenAI's voice names do on /v1/audio/speech.
// English voices by the speaker's gender and accent; another language goes to eSpeak NG's voice
// for it, when there is one.
import type { CatalogVoice, VoiceCatalog } from '../store/voice-catalog.js'

const MALE = new Set([
  'apollo', 'arcas', 'aries', 'atlas', 'hermes', 'hyperion', 'jupiter', 'mars', 'neptune', 'odysseus',
  'orion', 'orpheus', 'perseus', 'pluto', 'saturn', 'zeus', 'alvaro', 'nestor', 'sirio',
])
const BRITISH = new Set(['helios', 'draco'])
const IRISH = new Set(['angus'])

const AURA = /^aura(?:-2)?-([a-z]+)-([a-z]{2})$/

/** Deepgram's default model, when a client names none. */
export const DEFAULT_MODEL = 'aura-asteria-en'

/** Our voice for a model name: a slug or uuid of ours, or an Aura name; undefined when neither. */
export function voiceForModel(voices: VoiceCatalog, model: string): CatalogVoice | undefined {
  const own = voices.find(model)
  if (own) return own
  const aura = AURA.exec(model.toLowerCase())
  if (!aura) return undefined
  const [, name, language] = aura
  if (language !== 'en') return voices.find(`espeak-${language}`)
  if (BRITISH.has(name) || IRISH.has(name)) return voices.find('awb')
  return voices.find(MALE.has(name) ? 'kal16' : 'slt')
}
