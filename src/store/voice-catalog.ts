// The voices a request may name, by uuid or slug, kept in memory: a TTS request must not wait on
// a database query to find its voice. The table decides what is enabled (an operator may switch
// a voice off); this instance's engines decide what can actually be spoken. Re-read now and then
// so such a change reaches every instance without a restart.
import { listVoices, voiceId, type Voice } from './voices.js'
import type { Queryable } from './db.js'
import type { VoiceInfo } from '../speech/engine.js'
import { ApiError } from '../errors.js'

export interface CatalogVoice {
  id: string
  slug: string
  name: string
  language: string
  gender: string
  engine: string
  sampleRate: number
  /** What the engines report for it: what segments are spoken with. */
  info: VoiceInfo
}

const fromInfo = (v: VoiceInfo): CatalogVoice => ({
  id: voiceId(v.id), slug: v.id, name: v.name, language: v.language, gender: v.gender, engine: v.engine, sampleRate: v.sampleRate, info: v,
})

export class VoiceCatalog {
  private byKey = new Map<string, CatalogVoice>()
  private list: CatalogVoice[] = []

  constructor(
    private readonly db: Queryable,
    private spoken: VoiceInfo[],
  ) {
    // Until the table has been read, what the engines report is the catalog.
    this.set(spoken.map(fromInfo))
  }

  /** What the engines can speak changed (a reload); takes effect on the next refresh. */
  setSpoken(voices: VoiceInfo[]): void {
    this.spoken = voices
  }

  /** Reads the table; on failure the previous catalog stays. */
  async refresh(): Promise<void> {
    const rows = await listVoices(this.db)
    const here = new Map(this.spoken.map((v) => [v.id, v]))
    this.set(
      rows
        .filter((r: Voice) => here.has(r.slug))
        .map((r) => {
          const info = here.get(r.slug)!
          return { id: r.id, slug: r.slug, name: r.displayName, language: r.language, gender: r.gender, engine: r.engine, sampleRate: info.sampleRate, info }
        }),
    )
  }

  find(uuidOrSlug: string): CatalogVoice | undefined {
    return this.byKey.get(uuidOrSlug) ?? this.byKey.get(uuidOrSlug.toLowerCase())
  }

  /** The voice, or the 404 every route gives for a voice it does not have. */
  get(uuidOrSlug: string): CatalogVoice {
    const voice = this.find(uuidOrSlug)
    if (!voice) throw new ApiError('voice_not_found', `No voice "${uuidOrSlug}"; GET /v1/voices lists them`)
    return voice
  }

  all(): CatalogVoice[] {
    return this.list
  }

  private set(voices: CatalogVoice[]): void {
    const map = new Map<string, CatalogVoice>()
    for (const v of voices) {
      map.set(v.slug, v)
      map.set(v.id, v)
    }
    this.byKey = map
    this.list = voices
  }
}
