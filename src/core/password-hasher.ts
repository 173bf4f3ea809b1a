/** argon2id through @node-rs/argon2 (prebuilt per platform from the npm registry). */
import { Algorithm, hash, verify } from '@node-rs/argon2'

export interface PasswordHasher {
  hash(password: string): Promise<string>
  verify(hash: string, password: string): Promise<boolean>
  /** Spends the time of a verify so a missing account answers as slowly as a wrong password. */
  waste(password: string): Promise<void>
}

export function createPasswordHasher(params: { memoryCost: number; timeCost: number }): PasswordHasher {
  const options = { algorithm: Algorithm.Argon2id, memoryCost: params.memoryCost, timeCost: params.timeCost, parallelism: 1 }
  let dummy: Promise<string> | undefined
  return {
    hash: (password) => hash(password, options),
    verify: async (stored, password) => {
      try {
        return await verify(stored, password)
      } catch {
        return false
      }
    },
    waste: async (password) => {
      dummy ??= hash('gatehouse-timing-equaliser', options)
      await verify(await dummy, password).catch(() => false)
    },
  }
}

export const PASSWORD_MIN_LENGTH = 10
export const PASSWORD_MAX_LENGTH = 256
