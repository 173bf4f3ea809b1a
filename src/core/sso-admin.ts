/**
 * Setting up an org's SSO connection: the SSO name, the IdP side, the policy, enable and disable.
 * The operator may do everything; among users only the org's owner (DESIGN §2). Every change
 * lands in the audit log with a before/after of what changed (certificates by fingerprint).
 */
import { cachedCertificate, CertificateError } from '../saml/certificate.js'
import { certificateWarnings, MetadataError } from '../saml/idp-metadata.js'
import { AccountError } from './account-error.js'
import { recordAudit } from './audit.js'
import { logOutSsoSessionApps } from './backchannel-logout.js'
import type { Actor, CoreDeps } from './deps.js'
import { recordEvent } from './events.js'
import { enqueueMail } from './mail.js'
import { getOrganization } from './orgs.js'
import { DuplicateKeyError, type Stores } from './ports.js'
import { newId } from './secret-token.js'
import { DEFAULT_POLICY, idpFingerprint, type IdpConfig, type MetadataFrom, type SsoConnection, type SsoPolicy } from './sso-connection.js'
import { SsoError } from './sso-error.js'
import { dropLostOidcGrants } from './oidc-revocation.js'
import { applyPolicyPatch } from './sso-policy.js'
import type { Organization } from './types.js'
import { SLUG_PATTERN } from './validation.js'
import { authorizeSetupLink, refuseSetupLink } from './setup-link-access.js'
import { mailOwnersIfSetupLink } from './setup-link-mail.js'

/** Reserved so no org can take a name that reads as part of Gatehouse. */
const RESERVED_SSO_NAMES = new Set(['api', 'admin', 'login', 'logout', 'static', 'oidc', 'saml', 'sso', 'setup', 'dev', 'www', 'gatehouse'])

export function checkSsoName(ssoName: string): string {
  if (!isValidSsoName(ssoName)) {
    throw new SsoError(
      'sso_name_invalid',
      'The SSO name must be 3–63 characters of a-z, 0-9 and "-", not starting or ending with "-", and not a reserved word.',
      undefined,
      'ssoName',
    )
  }
  return ssoName
}

export function isValidSsoName(ssoName: string): boolean {
  return SLUG_PATTERN.test(ssoName) && !RESERVED_SSO_NAMES.has(ssoName)
}

/** Owners change SSO; admins may only look (DESIGN §2). */
export async function authorizeSsoChange(deps: CoreDeps, org: Organization, actor: Actor, { write }: { write: boolean }): Promise<void> {
  // A set-up link with the `sso` scope does the owner's steps 1–6 in its own org (DESIGN §2).
  if (actor.kind === 'setup-link') return authorizeSetupLink(actor, org.id, 'sso')
  if (actor.kind !== 'user') return
  const member = await deps.store.members.findByUser(org.id, actor.userId)
  if (member === undefined || member.role === 'member' || (write && member.role !== 'owner')) {
    throw new AccountError(
      'not_allowed',
      write ? "Only the organization's owner can change its SSO." : "Only owners and admins can see the organization's SSO.",
    )
  }
}

export async function findSsoConnection(deps: CoreDeps, orgSlug: string): Promise<{ org: Organization; connection: SsoConnection | undefined }> {
  const org = await getOrganization(deps, orgSlug)
  return { org, connection: await deps.store.ssoConnections.findByOrg(org.id) }
}

export async function getSsoConnection(deps: CoreDeps, orgSlug: string, actor: Actor): Promise<{ org: Organization; connection: SsoConnection }> {
  const { org, connection } = await findSsoConnection(deps, orgSlug)
  await authorizeSsoChange(deps, org, actor, { write: false })
  if (connection === undefined) throw new SsoError('sso_not_configured', 'This organization has no SSO connection yet: choose an SSO name first.')
  return { org, connection }
}

/** Creates the connection with this SSO name, or renames it. */
export async function setSsoName(deps: CoreDeps, orgSlug: string, ssoName: string, actor: Actor): Promise<{ connection: SsoConnection; created: boolean }> {
  const name = checkSsoName(ssoName)
  const { org, connection } = await findSsoConnection(deps, orgSlug)
  await authorizeSsoChange(deps, org, actor, { write: true })
  // A link chooses the name once; renaming breaks the IdP's configuration and stays the owner's.
  if (connection !== undefined) refuseSetupLink(actor, 'change the SSO name once it is chosen')
  const now = deps.clock.now().toISOString()
  try {
    return await deps.store.transaction(async (tx) => {
      if (connection === undefined) {
        const created: SsoConnection = {
          id: newId(),
          orgId: org.id,
          ssoName: name,
          enabled: false,
          idp: undefined,
          policy: DEFAULT_POLICY,
          metadataUrl: undefined,
          metadataRefreshedAt: undefined,
          metadataRefreshError: undefined,
          createdAt: now,
          updatedAt: now,
        }
        await tx.ssoConnections.insert(created)
        await recordAudit(tx, { orgId: org.id, actor, action: 'sso.created', target: name, detail: { ssoName: name } }, deps.clock.now())
        return { connection: created, created: true }
      }
      if (connection.ssoName !== name) {
        await tx.ssoConnections.update(connection.id, { ssoName: name }, now)
        await recordAudit(
          tx,
          { orgId: org.id, actor, action: 'sso.renamed', target: name, detail: { before: { ssoName: connection.ssoName }, after: { ssoName: name } } },
          deps.clock.now(),
        )
      }
      return { connection: { ...connection, ssoName: name, updatedAt: now }, created: false }
    })
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw new SsoError('sso_name_taken', `The SSO name "${name}" is taken; choose another.`, undefined, 'ssoName')
    throw error
  }
}

export type IdpInput =
  | { readonly metadataXml: string; readonly entityId?: string | undefined; readonly from?: MetadataFrom | undefined; readonly sloUrl?: string | undefined }
  | { readonly metadataUrl: string; readonly entityId?: string | undefined; readonly sloUrl?: string | undefined }
  | {
      readonly ssoUrl: string
      readonly entityId: string
      readonly certificates: readonly string[]
      readonly signatureAlgorithm?: 'rsa-sha256' | 'rsa-sha1'
      readonly sloUrl?: string | undefined
    }

export interface IdpResult {
  readonly connection: SsoConnection
  readonly warnings: readonly string[]
}

/** Reads the IdP side from metadata (XML or URL) or manual fields; bad input changes nothing. */
export async function configureIdp(deps: CoreDeps, orgSlug: string, input: IdpInput, actor: Actor): Promise<IdpResult> {
  const { org, connection } = await getSsoConnection(deps, orgSlug, actor)
  await authorizeSsoChange(deps, org, actor, { write: true })
  const { idp, warnings, metadataUrl } = await readIdpInput(deps, input, connection.idp?.signatureAlgorithm)
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    await tx.ssoConnections.update(
      connection.id,
      {
        idp,
        metadataUrl,
        metadataRefreshedAt: metadataUrl === undefined ? undefined : now.toISOString(),
        metadataRefreshError: undefined,
      },
      now.toISOString(),
    )
    await recordAudit(
      tx,
      {
        orgId: org.id,
        actor,
        action: 'sso.idp_configured',
        target: connection.ssoName,
        detail: {
          before: describeIdp(connection.idp),
          after: describeIdp(idp),
          source: idp.metadataFrom ?? idp.source,
          ...(metadataUrl === undefined ? {} : { metadataUrl }),
        },
      },
      now,
    )
  })
  return { connection: { ...connection, idp, metadataUrl }, warnings }
}

export async function readIdpInput(
  deps: CoreDeps,
  input: IdpInput,
  signatureAlgorithm: IdpConfig['signatureAlgorithm'] = 'rsa-sha256',
): Promise<{ idp: IdpConfig; warnings: string[]; metadataUrl: string | undefined }> {
  const now = deps.clock.now()
  const sloUrl = readSloUrl(input.sloUrl)
  try {
    if ('metadataXml' in input || 'metadataUrl' in input) {
      const metadataUrl = 'metadataUrl' in input ? input.metadataUrl : undefined
      const xml = 'metadataXml' in input ? input.metadataXml : await deps.fetchMetadata(input.metadataUrl)
      const parsed = await deps.parseMetadata(xml, { entityId: input.entityId, now })
      return {
        idp: {
          entityId: parsed.entityId,
          ssoUrlRedirect: parsed.ssoUrls.redirect,
          ssoUrlPost: parsed.ssoUrls.post,
          certificates: [...parsed.signingCertificates],
          signatureAlgorithm,
          source: metadataUrl === undefined ? 'metadata' : 'metadata-url',
          nameIdFormats: parsed.nameIdFormats,
          ...(sloUrl !== undefined ? { singleLogout: sloUrl } : parsed.singleLogout === undefined ? {} : { singleLogout: { ...parsed.singleLogout } }),
          ...('metadataXml' in input && input.from !== undefined ? { metadataFrom: input.from } : {}),
        },
        warnings: [...parsed.warnings],
        metadataUrl,
      }
    }
    const ssoUrl = input.ssoUrl.trim()
    if (!/^https?:\/\/[^\s]+$/i.test(ssoUrl)) throw new SsoError('idp_invalid', 'The IdP Single Sign-On URL must be an http(s) URL.', undefined, 'ssoUrl')
    const entityId = input.entityId.trim()
    if (entityId === '' || entityId.length > 1024) throw new SsoError('idp_invalid', 'The IdP entity ID (issuer) is required.', undefined, 'entityId')
    if (input.certificates.length === 0 || input.certificates.length > 10)
      throw new SsoError('idp_invalid', 'Give one to ten IdP signing certificates.', undefined, 'certificates')
    const certificates = input.certificates.map((c) => cachedCertificate(c))
    return {
      idp: {
        entityId,
        ssoUrlRedirect: ssoUrl,
        ssoUrlPost: undefined,
        certificates: certificates.map((c) => c.pem),
        signatureAlgorithm: input.signatureAlgorithm ?? 'rsa-sha256',
        source: 'manual',
        nameIdFormats: [],
        ...(sloUrl === undefined ? {} : { singleLogout: sloUrl }),
      },
      warnings: [
        ...certificateWarnings(certificates, now),
        ...(input.signatureAlgorithm === 'rsa-sha1' ? ['RSA-SHA1 is weak: switch the IdP to RSA-SHA256 as soon as it allows.'] : []),
      ],
      metadataUrl: undefined,
    }
  } catch (error) {
    if (error instanceof MetadataError) throw new SsoError(error.code, error.message, undefined, 'metadata')
    if (error instanceof CertificateError) throw new SsoError(error.code, error.message, undefined, 'certificates')
    throw error
  }
}

/** The manual single logout URL (DESIGN §10): sent by HTTP-Redirect, the binding every IdP that has one offers. */
function readSloUrl(value: string | undefined): IdpConfig['singleLogout'] {
  const url = value?.trim()
  if (url === undefined || url === '') return undefined
  if (!/^https?:\/\/[^\s]+$/i.test(url) || url.length > 2048) {
    throw new SsoError('idp_invalid', 'The IdP Single Logout URL must be an http(s) URL.', undefined, 'sloUrl')
  }
  return { url, binding: 'redirect' }
}

/** For the audit log: what the IdP side is, certificates by fingerprint only. */
export function describeIdp(idp: IdpConfig | undefined): Record<string, unknown> | null {
  if (idp === undefined) return null
  return {
    entityId: idp.entityId,
    ssoUrlRedirect: idp.ssoUrlRedirect ?? null,
    ssoUrlPost: idp.ssoUrlPost ?? null,
    certificates: idp.certificates.map((pem) => cachedCertificate(pem).fingerprint),
    signatureAlgorithm: idp.signatureAlgorithm,
    singleLogout: idp.singleLogout ?? null,
  }
}

export async function updateSsoPolicy(deps: CoreDeps, orgSlug: string, patch: Record<string, unknown>, actor: Actor): Promise<SsoPolicy> {
  const { org, connection } = await getSsoConnection(deps, orgSlug, actor)
  await authorizeSsoChange(deps, org, actor, { write: true })
  // Enforcement, role mapping and the API allow-list stay the owner's unless the link grants `policy`.
  if (actor.kind === 'setup-link') authorizeSetupLink(actor, org.id, 'policy')
  const workspaces = await deps.store.workspaces.listByOrg(org.id)
  const policy = applyPolicyPatch(
    connection.policy,
    patch,
    workspaces.map((w) => w.slug),
    deps.settings.workspaceRoles,
  )
  const before: Record<string, unknown> = {}
  const after: Record<string, unknown> = {}
  for (const key of Object.keys(patch) as (keyof SsoPolicy)[]) {
    if (JSON.stringify(connection.policy[key]) !== JSON.stringify(policy[key])) {
      before[key] = connection.policy[key]
      after[key] = policy[key]
    }
  }
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    await tx.ssoConnections.update(connection.id, { policy }, now.toISOString())
    if (Object.keys(after).length > 0) {
      await recordAudit(tx, { orgId: org.id, actor, action: 'sso.policy_updated', target: connection.ssoName, detail: { before, after } }, now)
    }
  })
  // Grants whose sign-in the policy no longer allows are dropped for good (issue 14 item 10).
  await dropLostOidcGrants(deps, org.id)
  return policy
}

/** Enabling needs a passing test of the current IdP configuration (lock-out prevention); the operator may skip it. */
export async function enableSso(deps: CoreDeps, orgSlug: string, options: { skipTest: boolean }, actor: Actor): Promise<SsoConnection> {
  const { org, connection } = await getSsoConnection(deps, orgSlug, actor)
  await authorizeSsoChange(deps, org, actor, { write: true })
  if (connection.idp === undefined) throw new SsoError('idp_not_configured', 'Configure the identity provider before enabling SSO.')
  if (
    !(options.skipTest && actor.kind === 'operator') &&
    !(await deps.store.ssoTests.hasPassed(connection.id, idpFingerprint(connection), deps.clock.now().toISOString()))
  ) {
    throw new SsoError(
      'sso_test_required',
      'Run a successful SSO test of the current IdP configuration before enabling SSO (the operator API may skip it with {"skipTest": true}).',
    )
  }
  return setEnabled(deps, org, connection, true, actor, { skippedTest: options.skipTest })
}

/**
 * Members go back to passwords; configuration, members and roles stay (DESIGN §2 step 7). Members
 * without a password are mailed to set one through "forgot password", the mails queued in the
 * transaction that disables SSO.
 */
export async function disableSso(deps: CoreDeps, orgSlug: string, actor: Actor): Promise<SsoConnection> {
  refuseSetupLink(actor, 'disable single sign-on')
  const { org, connection } = await getSsoConnection(deps, orgSlug, actor)
  await authorizeSsoChange(deps, org, actor, { write: true })
  if (!connection.enabled) return connection
  const base = deps.settings.baseUrl
  return setEnabled(deps, org, connection, false, actor, {}, async (tx, now) => {
    // Logout everywhere (DESIGN §5): the SSO sessions reach nothing now; their apps are told so.
    await logOutSsoSessionApps(tx, org.id, now)
    for (const member of (await tx.members.listByOrg(org.id)).filter((m) => !m.user.hasPassword)) {
      await enqueueMail(
        tx,
        deps.settings.secretKey,
        {
          to: member.user.email,
          subject: `${org.name} no longer signs in through single sign-on`,
          text: [
            `${org.name} has turned off single sign-on in Gatehouse: sign in with your email and a Gatehouse password.`,
            '',
            'Your account has no password yet. Set one here (we email you a single-use link):',
            `${base}/forgot-password`,
            '',
            `Then sign in at ${base}/login. Your roles in ${org.name} are unchanged.`,
          ].join('\n'),
        },
        now,
      )
    }
  })
}

async function setEnabled(
  deps: CoreDeps,
  org: Organization,
  connection: SsoConnection,
  enabled: boolean,
  actor: Actor,
  detail: Record<string, unknown>,
  alsoInTransaction?: (tx: Stores, now: Date) => Promise<void>,
): Promise<SsoConnection> {
  const now = deps.clock.now()
  if (connection.enabled === enabled) return connection
  await deps.store.transaction(async (tx) => {
    await tx.ssoConnections.update(connection.id, { enabled }, now.toISOString())
    await recordAudit(
      tx,
      {
        orgId: org.id,
        actor,
        action: enabled ? 'sso.enabled' : 'sso.disabled',
        target: connection.ssoName,
        detail: { before: { enabled: !enabled }, after: { enabled }, ...detail },
      },
      now,
    )
    const data = { connection: { id: connection.id, ssoName: connection.ssoName, enforcement: connection.policy.enforcement } }
    await recordEvent(tx, { type: enabled ? 'sso.enabled' : 'sso.disabled', orgId: org.id, data }, now)
    if (enabled) await mailOwnersIfSetupLink(tx, deps, actor, org, 'sso_enabled', now)
    await alsoInTransaction?.(tx, now)
  })
  await dropLostOidcGrants(deps, org.id)
  return { ...connection, enabled }
}
