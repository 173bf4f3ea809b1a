/**
 * The development IdP (issue 6): a real SAML IdP inside Gatehouse so a newcomer can try the whole
 * SSO flow with no IdP of their own. Its own RSA key pair (made on first use, sealed in the
 * database), metadata, and answers signed with xml-crypto. It signs anyone in as anyone, so:
 * - it exists only when config.devIdp.enabled (never under NODE_ENV=production);
 * - it answers only this deployment's own SSO connections, and only those that trust it: the
 *   AuthnRequest's Issuer must be a connection's SP entity ID, its ACS URL that connection's ACS,
 *   and the answer always goes to the ACS derived here from the SSO name, never to a URL from the
 *   browser.
 */
import { buildIdpMetadata } from '../saml/idp-metadata-out.js'
import { createIdpResponse, type IdpAttribute } from '../saml/idp-response.js'
import type { KeyPair } from '../saml/key-pair.js'
import { AuthnRequestError, readAuthnRequest } from '../saml/read-authn-request.js'
import { AccountError } from './account-error.js'
import type { CoreDeps } from './deps.js'
import { DevIdpError } from './dev-idp-error.js'
import type { Store } from './ports.js'
import { open, seal } from './secret-box.js'
import { activeSpKeys } from './sp-keys.js'
import { spEndpoints, type SpEndpoints, type SsoConnection } from './sso-connection.js'
import type { Organization } from './types.js'
import { checkEmail } from './validation.js'

export interface DevIdpEndpoints {
  readonly entityId: string
  readonly ssoUrl: string
  readonly metadataUrl: string
}

export function devIdpEndpoints(baseUrl: string): DevIdpEndpoints {
  return { entityId: `${baseUrl}/dev/idp`, ssoUrl: `${baseUrl}/dev/idp/sso`, metadataUrl: `${baseUrl}/dev/idp/metadata` }
}

const keyPairs = new WeakMap<Store, Promise<KeyPair>>()

/**
 * The key pair: read, or made once and stored. Two processes making one at once both insert-or-ignore
 * on the one row's key and then read back the same winner.
 */
export function devIdpKeyPair(deps: CoreDeps): Promise<KeyPair> {
  let pair = keyPairs.get(deps.store)
  if (pair === undefined) {
    pair = loadOrCreateKeyPair(deps)
    pair.catch(() => keyPairs.delete(deps.store))
    keyPairs.set(deps.store, pair)
  }
  return pair
}

async function loadOrCreateKeyPair(deps: CoreDeps): Promise<KeyPair> {
  let stored = await deps.store.devIdpKeys.find()
  if (stored === undefined) {
    const now = deps.clock.now()
    const { generateKeyPair } = await import('../saml/key-pair.js')
    const made = await generateKeyPair({ commonName: `Gatehouse development IdP ${new URL(deps.settings.baseUrl).host}`, notBefore: now, years: 10 })
    await deps.store.devIdpKeys.insertIfAbsent({
      privateKeyEncrypted: seal(deps.settings.secretKey, made.privateKeyPem),
      certificatePem: made.certificatePem,
      createdAt: now.toISOString(),
    })
    stored = (await deps.store.devIdpKeys.find())!
  }
  return { privateKeyPem: open(deps.settings.secretKey, stored.privateKeyEncrypted), certificatePem: stored.certificatePem }
}

export async function devIdpMetadata(deps: CoreDeps): Promise<string> {
  const { entityId, ssoUrl } = devIdpEndpoints(deps.settings.baseUrl)
  return buildIdpMetadata({
    entityId,
    ssoUrl,
    certificatePem: (await devIdpKeyPair(deps)).certificatePem,
    // Single logout both ways (DESIGN §10; core/dev-idp-logout.ts).
    singleLogout: { url: `${deps.settings.baseUrl}/dev/idp/slo`, bindings: ['redirect'] },
  })
}

/** An SSO connection of this deployment that trusts the development IdP: who the dev IdP may answer. */
export interface DevIdpTarget {
  readonly connection: SsoConnection
  readonly org: Organization
  readonly sp: SpEndpoints
}

/** The connection named `ssoName`, if it trusts the development IdP. */
export async function devIdpTarget(deps: CoreDeps, ssoName: string): Promise<DevIdpTarget> {
  const connection = /^[a-z0-9-]{1,63}$/.test(ssoName) ? await deps.store.ssoConnections.findBySsoName(ssoName) : undefined
  if (connection === undefined) {
    throw new DevIdpError(
      'dev_idp_sp_unknown',
      `No organization of this Gatehouse uses the SSO name "${ssoName.slice(0, 80)}". The development IdP answers only this deployment's own SSO connections.`,
    )
  }
  if (connection.idp?.entityId !== devIdpEndpoints(deps.settings.baseUrl).entityId) {
    throw new DevIdpError(
      'dev_idp_not_trusted',
      `The SSO connection "${connection.ssoName}" does not use the development IdP. Its owner can press "Use the development IdP" in step 3 of the SSO set-up.`,
    )
  }
  const org = (await deps.store.orgs.findById(connection.orgId))!
  return { connection, org, sp: spEndpoints(deps.settings.baseUrl, connection.ssoName) }
}

export interface DevIdpRequest {
  readonly target: DevIdpTarget
  readonly requestId: string
  readonly relayState: string | undefined
}

/** An SP-initiated request, checked: from one of our connections, for that connection's ACS. */
export async function readDevIdpRequest(deps: CoreDeps, samlRequest: unknown, relayState: unknown, binding: 'redirect' | 'post'): Promise<DevIdpRequest> {
  let request
  try {
    request = readAuthnRequest(samlRequest, binding)
  } catch (error) {
    if (error instanceof AuthnRequestError) throw new DevIdpError('dev_idp_request_invalid', `This is not a usable SAML request: ${error.message}`, error.code)
    throw error
  }
  const ours = devIdpEndpoints(deps.settings.baseUrl)
  if (request.destination !== undefined && request.destination !== ours.ssoUrl) {
    throw new DevIdpError(
      'dev_idp_request_invalid',
      `The SAML request is addressed to ${request.destination.slice(0, 200)}, not to this development IdP (${ours.ssoUrl}).`,
    )
  }
  const prefix = `${deps.settings.baseUrl}/saml/`
  const ssoName = request.issuer.startsWith(prefix) ? request.issuer.slice(prefix.length) : ''
  if (!/^[a-z0-9-]{1,63}$/.test(ssoName)) {
    throw new DevIdpError(
      'dev_idp_sp_unknown',
      `The SAML request comes from "${request.issuer.slice(0, 200)}", which is not an SSO connection of this Gatehouse. The development IdP answers only this deployment's own SSO connections.`,
    )
  }
  const target = await devIdpTarget(deps, ssoName)
  if (request.acsUrl !== undefined && request.acsUrl !== target.sp.acsUrl) {
    throw new DevIdpError(
      'dev_idp_acs_mismatch',
      `The SAML request asks for the answer at ${request.acsUrl.slice(0, 200)}, but the SSO connection "${ssoName}" receives answers only at ${target.sp.acsUrl}.`,
    )
  }
  return { target, requestId: request.id, relayState: checkRelayState(relayState) }
}

/** SAML bindings §3.4.3: at most 80 bytes; we pass it back untouched. */
function checkRelayState(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string' || Buffer.byteLength(value, 'utf8') > 80 || /[\x00-\x1f\x7f]/.test(value)) {
    throw new DevIdpError('dev_idp_request_invalid', 'The RelayState must be at most 80 bytes of text (SAML bindings §3.4.3).')
  }
  return value
}

/** What the person at the dev IdP's sign-in page asks it to assert. */
export interface DevIdpUserForm {
  readonly email: string
  readonly firstName: string
  readonly lastName: string
  /** One role or group per line. */
  readonly roles: string
  readonly rolesAttribute: string
  /** `name=value` per line; a name given twice becomes a multi-valued attribute. */
  readonly attributes: string
  readonly encrypt: boolean
  readonly signResponse: boolean
}

const ATTRIBUTE_NAME = /^[^\s<>"'&=]{1,256}$/
const nonEmptyLines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')

/** The form as attributes, or a `dev_idp_input_invalid` naming the field. */
export function devIdpAttributes(form: DevIdpUserForm): { email: string; attributes: IdpAttribute[] } {
  const bad = (field: string, message: string) => new DevIdpError('dev_idp_input_invalid', message, undefined, field)
  let email: string
  try {
    email = checkEmail(form.email)
  } catch (error) {
    const invisible = error instanceof AccountError && error.code === 'email_invisible_character'
    throw bad('email', invisible ? error.message : 'Enter the email address to sign in as, like name@example.com.')
  }
  const name = (value: string, field: string, label: string) => {
    const trimmed = value.trim()
    if (trimmed.length > 200 || /[\x00-\x1f\x7f]/.test(trimmed)) throw bad(field, `${label} must be at most 200 characters with no control characters.`)
    return trimmed
  }
  const values = new Map<string, string[]>()
  const add = (attribute: string, value: string) => values.set(attribute, [...(values.get(attribute) ?? []), value])
  add('email', email)
  const firstName = name(form.firstName, 'firstName', 'The first name')
  const lastName = name(form.lastName, 'lastName', 'The last name')
  if (firstName !== '') add('first_name', firstName)
  if (lastName !== '') add('last_name', lastName)

  const roles = nonEmptyLines(form.roles)
  if (roles.length > 100 || roles.some((r) => r.length > 256 || /[\x00-\x1f\x7f]/.test(r)))
    throw bad('roles', 'Give at most 100 roles or groups, one per line, each at most 256 characters.')
  const rolesAttribute = form.rolesAttribute.trim() === '' ? 'groups' : form.rolesAttribute.trim()
  if (!ATTRIBUTE_NAME.test(rolesAttribute))
    throw bad('rolesAttribute', 'The attribute name must be 1–256 characters without spaces, quotes, "<", ">", "&" or "=".')
  for (const role of roles) add(rolesAttribute, role)

  const extras = nonEmptyLines(form.attributes)
  if (extras.length > 100) throw bad('attributes', 'Give at most 100 extra attributes.')
  for (const line of extras) {
    const at = line.indexOf('=')
    const attribute = at === -1 ? '' : line.slice(0, at).trim()
    const value = at === -1 ? '' : line.slice(at + 1).trim()
    if (!ATTRIBUTE_NAME.test(attribute) || value.length > 1024 || /[\x00-\x1f\x7f]/.test(value)) {
      throw bad('attributes', `Write each extra attribute as name=value on its own line (for example workspace.prod=editor); "${line.slice(0, 60)}" is not.`)
    }
    add(attribute, value)
  }
  return { email, attributes: [...values].map(([n, v]) => ({ name: n, values: v })) }
}

export interface DevIdpAnswer {
  /** Always the connection's own ACS, derived from its SSO name. */
  readonly acsUrl: string
  readonly fields: Readonly<Record<string, string>>
  readonly xml: string
}

/**
 * The signed (optionally encrypted) Response for `form`, bound for the connection's ACS by HTTP-POST.
 * `requestId` answers an SP-initiated request; without it the response is IdP-initiated.
 */
export async function answerAsDevIdp(
  deps: CoreDeps,
  ssoName: string,
  state: { requestId?: string | undefined; relayState?: unknown },
  form: DevIdpUserForm,
): Promise<DevIdpAnswer> {
  const target = await devIdpTarget(deps, ssoName)
  const requestId = state.requestId === undefined || state.requestId === '' ? undefined : state.requestId
  if (requestId !== undefined && !/^[A-Za-z_][\w.-]{0,255}$/.test(requestId))
    throw new DevIdpError('dev_idp_request_invalid', 'The request ID is not a SAML ID.')
  const relayState = checkRelayState(state.relayState)
  const { email, attributes } = devIdpAttributes(form)
  const signer = await devIdpKeyPair(deps)
  const encryptFor = form.encrypt ? (await activeSpKeys(deps))[0]!.certificatePem : undefined
  const xml = await createIdpResponse(
    {
      issuer: devIdpEndpoints(deps.settings.baseUrl).entityId,
      acsUrl: target.sp.acsUrl,
      audience: target.sp.entityId,
      inResponseTo: requestId,
      now: deps.clock.now(),
      nameId: email,
      attributes,
    },
    { signer, signResponse: form.signResponse, encryptFor },
  )
  return {
    acsUrl: target.sp.acsUrl,
    fields: { SAMLResponse: Buffer.from(xml, 'utf8').toString('base64'), ...(relayState === undefined ? {} : { RelayState: relayState }) },
    xml,
  }
}

/**
 * Members of the target's org to pick from. Shown to anyone who opens the dev IdP, which is fine only
 * because the dev IdP exists outside production alone and the connection's owner chose to trust it
 * (through it, anyone can sign in as any of these members anyway once SSO is enabled).
 */
export async function devIdpPickableUsers(deps: CoreDeps, target: DevIdpTarget): Promise<{ email: string; firstName: string; lastName: string }[]> {
  const members = await deps.store.members.listByOrg(target.org.id)
  return members.slice(0, 50).map((m) => ({ email: m.user.email, firstName: m.user.firstName, lastName: m.user.lastName }))
}
