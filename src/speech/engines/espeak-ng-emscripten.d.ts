// The package ships JavaScript only; this is the part of its surface the eSpeak engine uses.
declare module '@echogarden/espeak-ng-emscripten' {
  interface EspeakVoiceStruct {
    ptr: number
    get_gender(): number
  }
  export interface EspeakNGWorker {
    set_voice(name: string): number
    set_rate(wpm: number): void
    set_pitch(pitch: number): void
    get_voices(index: number): EspeakVoiceStruct
    list_voices(): { name: string; identifier: string; languages: { priority: number; name: string }[] }[]
    /** Calls back with each piece of audio; returning true stops the synthesis. */
    synthesize(text: string, callback: (samples: Int16Array, events: unknown[]) => boolean): void
    /** IPA (phonemeMode 1) in a string the caller must free; phonemes joined by `_`, clauses by ` | `. */
    text_to_phonemes(text: string, phonemeMode: number): { ptr: number }
  }
  export interface EspeakModule {
    eSpeakNGWorker: new () => EspeakNGWorker
    HEAPU8: Uint8Array
    _free(ptr: number): void
  }
  const init: () => Promise<EspeakModule>
  export default init
}
