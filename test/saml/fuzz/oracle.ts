/**
 * The oracle: an accepted mutant must yield exactly the identity the IdP signed — NameID, Issuer,
 * InResponseTo, SessionIndex, the Assertion's ID, and every attribute's name and values (compared
 * as own keys, so `__proto__` and friends count like any other name).
 */
import type { VerifiedAssertion } from '../../../src/saml/read-assertion.js'
import type { ExpectedIdentity } from './seeds.js'

/** The differences between what was read and what was signed; empty when they are the same. */
export function identityDifferences(read: VerifiedAssertion, signed: ExpectedIdentity): string[] {
  const differences: string[] = []
  const field = (name: string, got: unknown, want: unknown) => {
    if (got !== want) differences.push(`${name}: read ${JSON.stringify(got)}, signed ${JSON.stringify(want)}`)
  }
  field('nameId', read.nameId, signed.nameId)
  field('issuer', read.issuer, signed.issuer)
  field('inResponseTo', read.inResponseTo, signed.inResponseTo)
  field('sessionIndex', read.sessionIndex, signed.sessionIndex)
  field('assertionId', read.assertionId, signed.assertionId)
  const names = Reflect.ownKeys(read.attributes).map(String)
  for (const name of names) {
    const got = Object.getOwnPropertyDescriptor(read.attributes, name)?.value as unknown
    const want = signed.attributes.get(name)
    if (want === undefined) differences.push(`attribute ${JSON.stringify(name)}: read ${JSON.stringify(got)}, not signed`)
    else if (!Array.isArray(got) || got.length !== want.length || got.some((v, i) => v !== want[i])) {
      differences.push(`attribute ${JSON.stringify(name)}: read ${JSON.stringify(got)}, signed ${JSON.stringify(want)}`)
    }
  }
  for (const name of signed.attributes.keys()) {
    if (!names.includes(name)) differences.push(`attribute ${JSON.stringify(name)}: signed ${JSON.stringify(signed.attributes.get(name))}, not read`)
  }
  return differences
}
