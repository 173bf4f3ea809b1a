/**
 * Attribute names are the IdP's to choose: one named like a member of Object.prototype
 * (`__proto__`, `constructor`, `toString`, `hasOwnProperty`) must be read as an ordinary name with
 * exactly the values signed — not crash the validator, not pollute a prototype, not be dropped.
 * Found by the ACS mutation fuzzer (test/saml/fuzz), whose seeds sign such names (item-data found
 * and fixed the same on main: attribute-names.security.test.ts there).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../src/saml/validate-response.js'
import { craft, createParties, settingsFor, type Parties } from './response-recipe.js'

let parties: Parties
beforeAll(async () => {
  parties = await createParties()
})

function attributesNamed(names: readonly string[]): Record<string, readonly string[]> {
  const attributes: Record<string, readonly string[]> = {}
  for (const name of names) Object.defineProperty(attributes, name, { value: [`${name}-1`, `${name}-2`], enumerable: true })
  return attributes
}

const accepted = async (attributes: Record<string, readonly string[]>) => {
  const result = await validateSamlResponse(await craft(parties, { params: { attributes } }), settingsFor(parties))
  if (!result.ok) throw new Error(`refused: ${result.failure.code}`)
  return result.assertion.attributes
}

describe('attribute names', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('reads an attribute named %s as an own name with its signed values', async (name) => {
    const attributes = await accepted(attributesNamed([name, 'email']))
    expect(Object.getOwnPropertyNames(attributes).sort()).toEqual([name, 'email'].sort())
    expect(Object.getOwnPropertyDescriptor(attributes, name)?.value).toEqual([`${name}-1`, `${name}-2`])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, `${name}-1`)).toBe(false)
  })

  it('does not answer an absent name from Object.prototype', async () => {
    const attributes = await accepted(attributesNamed(['email']))
    expect(attributes.constructor).toBeUndefined()
    // eslint-disable-next-line @typescript-eslint/unbound-method -- reads the inherited name on purpose, to show there is none
    expect(attributes.toString).toBeUndefined()
  })

  it('still reads ordinary attribute names and values', async () => {
    const attributes = await accepted({ email: ['alice@example.test'], groups: ['admins', 'engineering'] })
    expect(Object.entries(attributes)).toEqual([
      ['email', ['alice@example.test']],
      ['groups', ['admins', 'engineering']],
    ])
  })
})
