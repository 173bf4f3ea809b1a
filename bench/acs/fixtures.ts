/**
 * Benchmark fixtures: real SAML responses made by the test IdP (test/helpers/test-idp.ts: xml-crypto
 * signatures, xml-encryption encryption), shaped like Okta/Entra/ADFS responses of four sizes.
 *
 * - small:     ~5 KB signed assertion (email, names, 2 groups)
 * - medium:    ~20 KB, 70 groups
 * - large:     ~90 KB, 500 groups (Entra/ADFS-sized)
 * - encrypted: the small response, assertion signed then encrypted (RSA-OAEP + AES-256-GCM)
 *
 * Every response is IdP-initiated (no InResponseTo) and valid from now − 1 min to now + 1 h, because
 * node-saml reads the real clock (Date.now()). Each call makes new Response/Assertion/Session IDs.
 */
import { buildResponse, encryptAssertion, sign, toBase64, type TestIdp } from '../../test/helpers/test-idp.js'

export type FixtureKind = 'small' | 'medium' | 'large' | 'encrypted'
export const FIXTURE_KINDS: readonly FixtureKind[] = ['small', 'medium', 'large', 'encrypted']

export const FIXTURE_LABEL: Record<FixtureKind, string> = {
  small: '5 KB signed',
  medium: '20 KB, 70 groups',
  large: '90 KB, 500 groups',
  encrypted: 'encrypted 5 KB (OAEP+GCM)',
}

interface Shape {
  readonly groups: number
  /** Length of each group name, chosen so the signed XML lands near the target size. */
  readonly groupNameLength: number
  readonly encrypt: boolean
}

const SHAPES: Record<FixtureKind, Shape> = {
  small: { groups: 2, groupNameLength: 36, encrypt: false },
  medium: { groups: 70, groupNameLength: 60, encrypt: false },
  large: { groups: 500, groupNameLength: 8, encrypt: false },
  encrypted: { groups: 2, groupNameLength: 36, encrypt: true },
}

export const GROUPS_ATTRIBUTE = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups'

export interface Sp {
  readonly entityId: string
  readonly acsUrl: string
  /** PEM certificate the IdP encrypts to. */
  readonly certificatePem: string
}

export interface FixtureOptions {
  readonly idp: TestIdp
  readonly sp: Sp
  readonly now?: Date
  /** The user the assertion names (NameID and email attribute): user<user>@example.test. */
  readonly user?: number | string
  /** Response ID, Assertion ID and SessionIndex; fresh random ones by default. */
  readonly ids?: { readonly response: string; readonly assertion: string; readonly session: string }
}

function groupName(i: number, length: number): string {
  // Entra sends object IDs (36 chars), ADFS sends names; pad/trim a readable name to `length`.
  const base = `grp-${String(i).padStart(4, '0')}-engineering-platform-team-europe-west-readers-and-writers-of-things`
  return base.length >= length ? base.slice(0, length) : base.padEnd(length, 'x')
}

/** One signed (and for `encrypted`, encrypted) response as XML. */
export async function makeResponseXml(kind: FixtureKind, options: FixtureOptions): Promise<string> {
  const shape = SHAPES[kind]
  const now = options.now ?? new Date()
  const user = options.user ?? 0
  const email = `user${user}@example.test`
  const groups = Array.from({ length: shape.groups }, (_, i) => groupName(i, shape.groupNameLength))
  let xml = buildResponse({
    issuer: options.idp.entityId,
    acsUrl: options.sp.acsUrl,
    audience: options.sp.entityId,
    nameId: email,
    inResponseTo: null,
    ...(options.ids === undefined ? {} : { responseId: options.ids.response, assertionId: options.ids.assertion, sessionIndex: options.ids.session }),
    now,
    notBefore: new Date(now.getTime() - 60_000),
    notOnOrAfter: new Date(now.getTime() + 60 * 60_000),
    attributes: {
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': [email],
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname': [`First${user}`],
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname': [`Last${user}`],
      [GROUPS_ATTRIBUTE]: groups,
    },
  })
  xml = sign(xml, 'assertion', { privateKeyPem: options.idp.privateKeyPem, certificatePem: options.idp.certificatePem })
  if (shape.encrypt) xml = await encryptAssertion(xml, options.sp.certificatePem, { content: 'aes256-gcm', keyTransport: 'rsa-oaep-mgf1p' })
  return xml
}

export async function makeResponse(kind: FixtureKind, options: FixtureOptions): Promise<string> {
  return toBase64(await makeResponseXml(kind, options))
}

/**
 * A tampered copy that both validators must refuse: the signed assertion names someone else after
 * signing (for `encrypted`, the tampered signed assertion is then encrypted to the SP, which anyone
 * holding the SP's public certificate can do).
 */
export async function makeTamperedResponse(kind: FixtureKind, options: FixtureOptions): Promise<string> {
  const shape = SHAPES[kind]
  const plain = await makeResponseXml(shape.encrypt ? 'small' : kind, options)
  const user = options.user ?? 0
  const tampered = plain.replace(`>user${user}@example.test</saml2:NameID>`, '>mallory@example.test</saml2:NameID>')
  if (tampered === plain) throw new Error('tampering did not change the response')
  if (!shape.encrypt) return toBase64(tampered)
  return toBase64(await encryptAssertion(tampered, options.sp.certificatePem, { content: 'aes256-gcm', keyTransport: 'rsa-oaep-mgf1p' }))
}

export const EXPECTED_GROUPS: Record<FixtureKind, number> = {
  small: SHAPES.small.groups,
  medium: SHAPES.medium.groups,
  large: SHAPES.large.groups,
  encrypted: SHAPES.encrypted.groups,
}
