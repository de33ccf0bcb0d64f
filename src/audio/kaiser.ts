// Kaiser-window FIR design helpers shared by the resamplers.

/** Stopband attenuation every resampler filter is designed for: 80 dB is the requirement,
 *  the extra 5 dB absorb Kaiser's estimate error and Int16 rounding. */
export const STOPBAND_DB = 85

/** Kaiser's length estimate runs short for wide transitions (a few taps): short designs are
 *  measured, and lengthened until their stopband peak is at least this far down. */
export const VERIFIED_DB = 84

/** Zeroth-order modified Bessel function of the first kind (power series; converges fast for
 *  the beta values a Kaiser window uses). */
export function besselI0(x: number): number {
  let sum = 1
  let term = 1
  const q = (x / 2) * (x / 2)
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k)
    sum += term
    if (term < sum * 1e-17) break
  }
  return sum
}

/** Kaiser's beta for a given stopband attenuation in dB. */
export function kaiserBeta(attenuationDb: number): number {
  if (attenuationDb > 50) return 0.1102 * (attenuationDb - 8.7)
  if (attenuationDb >= 21) return 0.5842 * (attenuationDb - 21) ** 0.4 + 0.07886 * (attenuationDb - 21)
  return 0
}

/** Kaiser's estimate of the filter length (taps) for a transition width in cycles/sample. */
export function kaiserLength(attenuationDb: number, transitionWidth: number): number {
  return Math.ceil((attenuationDb - 7.95) / (14.36 * transitionWidth)) + 1
}

/** Kaiser window value at x in [-1, 1] (0 outside). */
export function kaiserWindow(x: number, beta: number, i0Beta = besselI0(beta)): number {
  if (x <= -1 || x >= 1) return 0
  return besselI0(beta * Math.sqrt(1 - x * x)) / i0Beta
}

/** sin(pi x) / (pi x) */
export function sinc(x: number): number {
  if (x === 0) return 1
  const px = Math.PI * x
  return Math.sin(px) / px
}
