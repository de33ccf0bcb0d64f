// The voices a request may name, by uuid or slug, kept in memory: a TTS request must not wait on
// a database query to find its voice. The table decides what is enabled (an operator may switch
// a voice off); this instance's engines decide what can actually be spoken. Re-read now and then
// so such a change reaches every instance without a restart.
import { listVoices, voiceId, type Voice } from '../store/voices.js'
import type { Queryable } from '../store/db.js'
import type { VoiceInfo } from '../speech/engine.js'

export interface CatalogVoice {
  id: string
  slug: string
  name: string
  language: string
  gender: string
  engine: string
  sampleRate: number
}

export class VoiceCatalog {
  private byKey = new Map<string, CatalogVoice>()
  private list: CatalogVoice[] = []

  constructor(
    private readonly db: Queryable,
    private spoken: VoiceInfo[],
  ) {
    // Until the table has been read, what the engines report is the catalog.
    this.set(spoken.map((v) => ({ id: voiceId(v.id), slug: v.id, name: v.name, language: v.language, gender: v.gender, engine: v.engine, sampleRate: v.sampleRate })))
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
        .map((r) => ({ id: r.id, slug: r.slug, name: r.displayName, language: r.language, gender: r.gender, engine: r.engine, sampleRate: here.get(r.slug)!.sampleRate })),
    )
  }

  find(uuidOrSlug: string): CatalogVoice | undefined {
    return this.byKey.get(uuidOrSlug) ?? this.byKey.get(uuidOrSlug.toLowerCase())
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
