// Reading one setting's value: an integer in a range, a URL with an allowed scheme, a phone number.
// Each failure is a ConfigError whose message names the variable, what it holds and what it must.

export class ConfigError extends Error {}

export type Env = Record<string, string | undefined>

const E164 = /^\+[1-9]\d{1,14}$/

export function phoneNumber(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim()
  if (!raw) return undefined
  if (!E164.test(raw)) throw new ConfigError(`${name} must be an E.164 number like +15551234567, got "${raw}"`)
  return raw
}

export function int(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`)
  }
  return value
}

export function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name]
  if (!raw) return undefined
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(`${name} is not a valid URL: "${raw}"`)
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.join(' or ')}, got "${parsed.protocol}"`)
  }
  return raw
}
