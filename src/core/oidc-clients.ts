/**
 * OpenID Connect clients (host apps), registered by the operator (CLI and operator API). All are
 * first-party: consent is not asked. A confidential client gets a secret shown once; it is stored
 * sealed under GATEHOUSE_SECRET_KEY, not hashed, because oidc-provider compares the presented secret
 * with the plaintext (client_secret_basic / client_secret_post). A public client has no secret and
 * must use PKCE (S256).
 */
import { recordAudit } from './audit.js'
import type { Actor, CoreDeps } from './deps.js'
import { findBidiControl, findInvisibleCharacter } from './invisible-characters.js'
import { OidcError } from './oidc-error.js'
import type { OidcClientChanges, OidcClientRecord } from './ports.js'
import { open, seal } from './secret-box.js'
import { newId, newSecretToken } from './secret-token.js'

export interface OidcClientInput {
  readonly name: string
  readonly redirectUris: readonly string[]
  readonly postLogoutRedirectUris?: readonly string[] | undefined
  readonly public?: boolean | undefined
  /** OpenID Connect Back-Channel Logout 1.0: where logout tokens are POSTed (DESIGN §5). */
  readonly backchannelLogoutUri?: string | undefined
  /** Logout tokens carry `sid` (default true); false: `sub` only. */
  readonly backchannelLogoutSessionRequired?: boolean | undefined
}

/** An operator's change to a client: absent fields stay; `backchannelLogoutUri: null` removes it. */
export interface OidcClientUpdate {
  readonly name?: string | undefined
  readonly redirectUris?: readonly string[] | undefined
  readonly postLogoutRedirectUris?: readonly string[] | undefined
  readonly backchannelLogoutUri?: string | null | undefined
  readonly backchannelLogoutSessionRequired?: boolean | undefined
}

export interface OidcClientView {
  readonly id: string
  readonly name: string
  readonly public: boolean
  readonly redirectUris: readonly string[]
  readonly postLogoutRedirectUris: readonly string[]
  readonly backchannelLogoutUri: string | null
  readonly backchannelLogoutSessionRequired: boolean
  readonly createdAt: string
}

/** Loopback hosts for plain http outside production (a developer's machine). */
const DEV_LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])
/** RFC 8252 §7.3: a native app's loopback redirect, by IP literal; §8.3 advises against `localhost`. */
const RFC8252_LOOPBACK = new Set(['127.0.0.1', '[::1]'])
const MAX_URIS = 20

/**
 * RFC 6749 §3.1.2 and OAuth 2.0 Security BCP §4.1: an absolute URL, compared exactly, with no
 * fragment, no user name or password, no backslash (parsers disagree on it: `https://a\@b/`), no
 * whitespace, control or invisible character (the URL parser silently drops tabs and newlines, so
 * the string shown is not the one matched). https; or plain http to a loopback IP literal
 * `127.0.0.1` / `[::1]` (RFC 8252 §7.3, native apps), and outside production also to `localhost`.
 * Private-use schemes (`com.example.app:/cb`, RFC 8252 §7.1) are refused: any app on a device can
 * claim one (§8.6), and a redirect origin must be listed in the pages' CSP form-action, which a
 * custom scheme has none of. The loopback port is part of the registered URI and compared exactly
 * (a native app registers the port it listens on).
 */
export function checkRedirectUri(value: string, production: boolean, field: string): string {
  const bad = (why: string): never => {
    throw new OidcError('redirect_uri_invalid', `${field} ${JSON.stringify(value.slice(0, 200))} ${why}`, undefined, field)
  }
  if (value.length > 2000) bad('is longer than 2000 characters')
  const invisible = findInvisibleCharacter(value)
  if (invisible !== undefined) bad(`must not contain control or invisible characters (${invisible})`)
  if (/\s/u.test(value)) bad('must not contain whitespace')
  if (value.includes('\\')) bad('must not contain a backslash')
  if (value.includes('#')) bad('must not contain a fragment (#)')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return bad('is not an absolute URL')
  }
  if (url.username !== '' || url.password !== '' || /^[a-z][a-z0-9+.-]*:\/\/[^/?]*@/i.test(value)) bad('must not contain a user name or password (@)')
  if (url.protocol === 'https:') return value
  if (url.protocol === 'http:' && RFC8252_LOOPBACK.has(url.hostname)) return value
  if (url.protocol === 'http:' && DEV_LOOPBACK.has(url.hostname)) {
    if (production) bad('must use https, or http://127.0.0.1 or http://[::1] for a native app (RFC 8252: not localhost)')
    return value
  }
  return bad(
    production
      ? 'must use https (or http://127.0.0.1 / http://[::1] for a native app)'
      : 'must use https (or http://localhost, http://127.0.0.1, http://[::1] outside production)',
  )
}

const view = (c: OidcClientRecord): OidcClientView => ({
  id: c.id,
  name: c.name,
  public: c.public,
  redirectUris: c.redirectUris,
  postLogoutRedirectUris: c.postLogoutRedirectUris,
  backchannelLogoutUri: c.backchannelLogoutUri ?? null,
  backchannelLogoutSessionRequired: c.backchannelLogoutSessionRequired,
  createdAt: c.createdAt,
})

/**
 * OpenID Connect Back-Channel Logout 1.0 §2.2: an absolute URL without a fragment, checked like a
 * redirect URI; Gatehouse itself POSTs to it, so it must also pass the outbound rules (DESIGN §9's:
 * https and no internal address in production), checked again at every delivery.
 */
function checkBackchannelLogoutUri(deps: CoreDeps, value: string): string {
  const field = 'backchannelLogoutUri'
  try {
    checkRedirectUri(value, deps.settings.production, field)
  } catch (error) {
    if (error instanceof OidcError) throw new OidcError('backchannel_logout_uri_invalid', error.message, undefined, field)
    throw error
  }
  const refusal = deps.webhookSender.checkUrl(value)
  if (refusal !== null) throw new OidcError('backchannel_logout_uri_invalid', `${field} ${JSON.stringify(value.slice(0, 200))} ${refusal}`, undefined, field)
  return value
}

function checkName(raw: string): string {
  const name = raw.trim()
  if (name === '' || name.length > 200 || /[\p{Cc}\u2028\u2029]/u.test(name)) {
    throw new OidcError('client_name_invalid', 'name must be 1–200 characters without control characters.', undefined, 'name')
  }
  const bidi = findBidiControl(name)
  if (bidi !== undefined)
    throw new OidcError('client_name_invalid', `name contains a text-direction control character (${bidi}), which is not allowed.`, undefined, 'name')
  return name
}

function checkRedirectUris(production: boolean, uris: readonly string[]): string[] {
  if (uris.length === 0) throw new OidcError('redirect_uri_invalid', 'At least one redirect URI is required.', undefined, 'redirectUris')
  if (uris.length > MAX_URIS) throw new OidcError('redirect_uri_invalid', `At most ${MAX_URIS} redirect URIs of each kind.`, undefined, 'redirectUris')
  return [...new Set(uris.map((u, i) => checkRedirectUri(u, production, `redirectUris[${i}]`)))]
}

function checkPostLogoutRedirectUris(production: boolean, uris: readonly string[]): string[] {
  if (uris.length > MAX_URIS)
    throw new OidcError('redirect_uri_invalid', `At most ${MAX_URIS} redirect URIs of each kind.`, undefined, 'postLogoutRedirectUris')
  return [...new Set(uris.map((u, i) => checkRedirectUri(u, production, `postLogoutRedirectUris[${i}]`)))]
}

export async function registerOidcClient(
  deps: CoreDeps,
  input: OidcClientInput,
  actor: Actor,
): Promise<{ client: OidcClientView; secret: string | undefined }> {
  const name = checkName(input.name)
  const production = deps.settings.production
  const redirectUris = checkRedirectUris(production, input.redirectUris)
  const postLogoutRedirectUris = checkPostLogoutRedirectUris(production, input.postLogoutRedirectUris ?? [])
  const backchannelLogoutUri = input.backchannelLogoutUri === undefined ? undefined : checkBackchannelLogoutUri(deps, input.backchannelLogoutUri)
  const backchannelLogoutSessionRequired = input.backchannelLogoutSessionRequired ?? true
  const isPublic = input.public === true
  const secret = isPublic ? undefined : newSecretToken()
  const now = deps.clock.now()
  const record: OidcClientRecord = {
    id: newId(),
    name,
    public: isPublic,
    secretEncrypted: secret === undefined ? undefined : seal(deps.settings.secretKey, secret),
    redirectUris,
    postLogoutRedirectUris,
    backchannelLogoutUri,
    backchannelLogoutSessionRequired,
    createdAt: now.toISOString(),
  }
  await deps.store.transaction(async (tx) => {
    await tx.oidcClients.insert(record)
    await recordAudit(
      tx,
      {
        orgId: null,
        actor,
        action: 'oidc.client_created',
        target: record.id,
        detail: { name, public: isPublic, redirectUris, postLogoutRedirectUris, backchannelLogoutUri: backchannelLogoutUri ?? null },
      },
      now,
    )
  })
  return { client: view(record), secret }
}

export async function listOidcClients(deps: CoreDeps): Promise<OidcClientView[]> {
  return (await deps.store.oidcClients.list()).map(view)
}

export async function getOidcClient(deps: CoreDeps, id: string): Promise<OidcClientView> {
  const client = id.length <= 100 ? await deps.store.oidcClients.find(id) : undefined
  if (client === undefined) throw new OidcError('oidc_client_not_found', 'No OpenID Connect client has that id.')
  return view(client)
}

/** Changes a client's name, URIs or back-channel logout settings; the others stay. */
export async function updateOidcClient(deps: CoreDeps, id: string, input: OidcClientUpdate, actor: Actor): Promise<OidcClientView> {
  const before = await getOidcClient(deps, id)
  const production = deps.settings.production
  const changes: OidcClientChanges = {
    ...(input.name === undefined ? {} : { name: checkName(input.name) }),
    ...(input.redirectUris === undefined ? {} : { redirectUris: checkRedirectUris(production, input.redirectUris) }),
    ...(input.postLogoutRedirectUris === undefined ? {} : { postLogoutRedirectUris: checkPostLogoutRedirectUris(production, input.postLogoutRedirectUris) }),
    ...(input.backchannelLogoutUri === undefined
      ? {}
      : { backchannelLogoutUri: input.backchannelLogoutUri === null ? undefined : checkBackchannelLogoutUri(deps, input.backchannelLogoutUri) }),
    ...(input.backchannelLogoutSessionRequired === undefined ? {} : { backchannelLogoutSessionRequired: input.backchannelLogoutSessionRequired }),
  }
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    if (!(await tx.oidcClients.update(id, changes))) throw new OidcError('oidc_client_not_found', 'No OpenID Connect client has that id.')
    const after = { ...changes, ...('backchannelLogoutUri' in changes ? { backchannelLogoutUri: changes.backchannelLogoutUri ?? null } : {}) }
    await recordAudit(tx, { orgId: null, actor, action: 'oidc.client_updated', target: id, detail: { name: before.name, after } }, now)
  })
  return getOidcClient(deps, id)
}

export async function deleteOidcClient(deps: CoreDeps, id: string, actor: Actor): Promise<void> {
  const client = await getOidcClient(deps, id)
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    if (!(await tx.oidcClients.delete(id))) throw new OidcError('oidc_client_not_found', 'No OpenID Connect client has that id.')
    await recordAudit(tx, { orgId: null, actor, action: 'oidc.client_deleted', target: id, detail: { name: client.name } }, now)
  })
}

/** What oidc-provider needs to know of a client (RFC 7591 metadata), the secret unsealed; undefined when unknown. */
export async function findOidcClientMetadata(deps: CoreDeps, id: string): Promise<Record<string, unknown> | undefined> {
  const client = id.length <= 100 ? await deps.store.oidcClients.find(id) : undefined
  if (client === undefined) return undefined
  return {
    client_id: client.id,
    client_name: client.name,
    redirect_uris: [...client.redirectUris],
    post_logout_redirect_uris: [...client.postLogoutRedirectUris],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    // auth_time in every ID token (OIDC Core §2), not only when max_age is asked.
    require_auth_time: true,
    // Back-Channel Logout 1.0 §2.2: with it, ID tokens carry `sid` (oidc-provider's includeSid);
    // Gatehouse sends the logout tokens itself (core/backchannel-logout.ts), never the provider.
    ...(client.backchannelLogoutUri === undefined
      ? {}
      : { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: client.backchannelLogoutSessionRequired }),
    ...(client.public || client.secretEncrypted === undefined
      ? { token_endpoint_auth_method: 'none' }
      : { token_endpoint_auth_method: 'client_secret_basic', client_secret: open(deps.settings.secretKey, client.secretEncrypted) }),
  }
}

/**
 * The origins registered clients are sent back to. A Gatehouse form (sign-in, the org chooser, a
 * POST-binding page) can end, through redirects, at a client's redirect URI, and Chromium applies the
 * page's CSP form-action to every redirect after a form submission: these origins must be in it.
 */
export async function oidcClientOrigins(deps: CoreDeps): Promise<string[]> {
  const origins = new Set<string>()
  for (const client of await deps.store.oidcClients.list()) {
    for (const uri of [...client.redirectUris, ...client.postLogoutRedirectUris]) origins.add(new URL(uri).origin)
  }
  return [...origins].sort()
}

/**
 * The name of the app an OpenID Connect sign-in in progress is for, from the provider's stored
 * interaction (`next=/oidc/interaction/UID` of the sign-in page): read from the server, never from
 * the URL, so a crafted link cannot make the page name another app. Undefined when none is live.
 */
export async function findInteractionClientName(deps: CoreDeps, next: string | undefined): Promise<string | undefined> {
  const uid = next === undefined ? undefined : /^\/oidc\/interaction\/([A-Za-z0-9_-]{1,64})$/.exec(next)?.[1]
  if (uid === undefined) return undefined
  const interaction = await deps.store.oidcPayloads.find('Interaction', uid, deps.clock.now().toISOString())
  const clientId = (interaction?.payload.params as Record<string, unknown> | undefined)?.client_id
  if (typeof clientId !== 'string' || clientId.length > 100) return undefined
  return (await deps.store.oidcClients.find(clientId))?.name
}
