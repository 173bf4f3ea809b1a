/**
 * Two Gatehouse instances — each its own runtime, app, caches and clock — on one database (a shared
 * SQLite file, or one PostgreSQL schema), with an SSO org `acme` and its member alice@acme.test made
 * through A. For what one process changes and another must pick up (keys, KEY_REFRESH_MS).
 */
import { verify, X509Certificate } from 'node:crypto'
import { freshDatabase } from './database.js'
import { addMember, setupSsoOrg, type SsoOrg } from './sso.js'
import { createTestContext, type TestContext } from './test-app.js'
import { createTestIdp, type TestIdp } from './test-idp.js'

export interface TwoInstances {
  readonly a: TestContext
  readonly b: TestContext
  readonly idp: TestIdp
  readonly org: SsoOrg
  /** Closes both instances and drops the database. */
  readonly close: () => Promise<void>
}

export async function twoInstances(idpName: string): Promise<TwoInstances> {
  const database = await freshDatabase({ shared: true })
  const a = await createTestContext({ database })
  const b = await createTestContext({ database })
  const idp = await createTestIdp(idpName)
  const org = await setupSsoOrg(a, idp, { slug: 'acme' })
  await addMember(a, 'acme', 'alice@acme.test')
  const close = async () => {
    await b.close()
    await a.close()
    await database.drop()
  }
  return { a, b, idp, org, close }
}

/** A PEM certificate's base64 body, as SAML metadata carries it. */
export const certificateBody = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '')

/** Bindings §3.4.4.1: the IdP verifies the redirect's signature over the query octets as sent. */
export function redirectSignedBy(url: string, certificatePem: string): boolean {
  const query = url
    .slice(url.indexOf('?') + 1)
    .split('&')
    .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as const)
  const raw = (name: string) => query.find(([n]) => n === name)?.[1]
  const signed = ['SAMLRequest', 'RelayState', 'SigAlg']
    .filter((n) => raw(n) !== undefined)
    .map((n) => `${n}=${raw(n)}`)
    .join('&')
  return verify('sha256', Buffer.from(signed), new X509Certificate(certificatePem).publicKey, Buffer.from(decodeURIComponent(raw('Signature') ?? ''), 'base64'))
}
