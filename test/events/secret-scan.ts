/** A scan of events for anything secret (no database, no app: the CLI tests use it too). */
import { expect } from 'vitest'
import type { DomainEvent } from '../../src/core/ports.js'

/** Secrets by their shape: our token prefixes, PEM blocks, password hashes, the deployment's own secrets. */
const SECRET_SHAPES = [/gh(sc|a|pt)_/, /whsec_/, /-----BEGIN/, /\$argon2/, /SAMLResponse/]
/** Keys no event payload has any business holding. */
const SECRET_KEYS = /secret|password|token|hash|private|cookie|session/i

/** Fails naming the event when any holds a secret: by key, by shape, or one of `known` (passwords and secrets the test used). */
export function expectNoSecretsIn(events: readonly DomainEvent[], known: readonly string[] = []): void {
  const problems: string[] = []
  const keysOf = (value: unknown, path: string): void => {
    if (value === null || typeof value !== 'object') return
    for (const [key, child] of Object.entries(value)) {
      if (SECRET_KEYS.test(key)) problems.push(`${path}.${key}`)
      keysOf(child, `${path}.${key}`)
    }
  }
  for (const event of events) {
    const text = JSON.stringify(event)
    keysOf(event.data, `${event.type}.data`)
    for (const shape of SECRET_SHAPES) if (shape.test(text)) problems.push(`${event.type} matches ${String(shape)}`)
    for (const secret of known) if (secret.length >= 6 && text.includes(secret)) problems.push(`${event.type} holds a known secret`)
  }
  expect(problems).toEqual([])
}
