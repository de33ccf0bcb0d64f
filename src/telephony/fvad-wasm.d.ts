// The parts of libfvad's Emscripten build (npm @echogarden/fvad-wasm) that vad.ts uses.
declare module '@echogarden/fvad-wasm' {
  export interface FvadModule {
    _fvad_new(): number
    _fvad_free(handle: number): void
    /** 0-3; 0 on success. */
    _fvad_set_mode(handle: number, mode: number): number
    _fvad_set_sample_rate(handle: number, rate: number): number
    /** 1 speech, 0 not, -1 an invalid frame length. */
    _fvad_process(handle: number, samples: number, length: number): number
    _malloc(bytes: number): number
    _free(pointer: number): void
    HEAP16: Int16Array
  }
  export default function fvad(): Promise<FvadModule>
}
