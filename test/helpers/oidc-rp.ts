/**
 * An independent relying party: openid-client v6 (panva's certified RP library) against a Gatehouse
 * on a loopback port, with the browser part driven by the HTTP browser (test/helpers/http-browser.ts)
 * and SSO answered by the test IdP. ID tokens are verified with jose against the published JWKS.
 */
import { inflateRawSync } from 'node:zlib'
import * as client from 'openid-client'
import { createRemoteJWKSet, customFetch, jwtVerify, type JWTPayload } from 'jose'
import { expect } from 'vitest'
import type { HttpBrowser } from './http-browser.js'
import { responseFor, type SsoOrg } from './sso.js'
import type { TestContext } from './test-app.js'
import { toBase64, type TestIdp } from './test-idp.js'

export const REDIRECT_URI = 'http://localhost:5999/callback'
export const POST_LOGOUT_URI = 'http://localhost:5999/signed-out'

export interface Rp {
  readonly config: client.Configuration
  readonly clientId: string
  readonly issuer: string
  readonly fetchImpl?: typeof fetch | undefined
}

/** `fetchImpl`: another transport (test/helpers/inject-fetch.ts) for a base URL nothing listens on. */
export async function rpFor(baseUrl: string, clientId: string, secret?: string, fetchImpl?: typeof fetch): Promise<Rp> {
  const issuer = `${baseUrl}/oidc`
  const transport = fetchImpl === undefined ? {} : { [client.customFetch]: fetchImpl as client.CustomFetch }
  const config = await client.discovery(
    new URL(issuer),
    clientId,
    secret === undefined ? undefined : {},
    secret === undefined ? client.None() : client.ClientSecretBasic(secret),
    { execute: [client.allowInsecureRequests], ...transport },
  )
  if (fetchImpl !== undefined) config[client.customFetch] = fetchImpl as client.CustomFetch
  return { config, clientId, issuer, fetchImpl }
}

export interface Started {
  readonly url: URL
  readonly verifier: string
  readonly state: string
  readonly nonce: string
}

export async function startAuthorization(rp: Rp, params: Record<string, string> = {}, options: { pkce?: boolean } = {}): Promise<Started> {
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = client.randomNonce()
  const url = client.buildAuthorizationUrl(rp.config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile org',
    state,
    nonce,
    ...(options.pkce === false ? {} : { code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }),
    ...params,
  })
  return { url, verifier, state, nonce }
}

export async function finishAuthorization(rp: Rp, started: Started, callback: string) {
  return client.authorizationCodeGrant(rp.config, new URL(callback), {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
  })
}

/** Verifies the ID token's signature against the JWKS the provider publishes, and its iss and aud. */
export async function verifyIdToken(rp: Rp, idToken: string): Promise<JWTPayload & Record<string, unknown>> {
  const jwks = createRemoteJWKSet(new URL(rp.config.serverMetadata().jwks_uri!), rp.fetchImpl === undefined ? {} : { [customFetch]: rp.fetchImpl })
  const { payload } = await jwtVerify(idToken, jwks, { issuer: rp.issuer, audience: rp.clientId })
  return payload
}

/** Signs in with a password on the Gatehouse page the browser was sent to; returns where it left Gatehouse. */
/** Whether the refresh token still gets `email`'s tokens: true, or false on `invalid_grant` (anything else fails the test). */
export async function refreshes(rp: Rp, refreshToken: string, email: string): Promise<boolean> {
  try {
    const refreshed = await client.refreshTokenGrant(rp.config, refreshToken)
    expect((await verifyIdToken(rp, refreshed.id_token!)).email).toBe(email)
    return true
  } catch (error) {
    expect(error).toMatchObject({ error: 'invalid_grant' })
    return false
  }
}

export async function signInWithPassword(b: HttpBrowser, page: { url: string }, email: string, password: string) {
  const next = new URL(page.url).searchParams.get('next') ?? undefined
  return b.submit('/login', { email, password, ...(next === undefined ? {} : { next }) })
}

/** Answers the AuthnRequest the browser was sent to the IdP with, as `email`, and follows it back into Gatehouse. */
export async function answerAtIdp(
  ctx: TestContext,
  b: HttpBrowser,
  idp: TestIdp,
  org: SsoOrg,
  idpUrl: string,
  email: string,
  attributes: Record<string, string[]> = {},
) {
  const url = new URL(idpUrl)
  const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8')
  const requestId = /ID="([^"]+)"/.exec(xml)![1]!
  const response = responseFor(ctx, idp, org, {
    inResponseTo: requestId,
    nameId: email,
    attributes: { email: [email], first_name: ['Sam'], last_name: ['Saml'], ...attributes },
  })
  return b.submit(`/saml/${org.ssoName}/acs`, { SAMLResponse: toBase64(response), RelayState: url.searchParams.get('RelayState') ?? '' })
}

export { client }
