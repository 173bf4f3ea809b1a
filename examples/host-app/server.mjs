/**
 * A host app signing its users in through Gatehouse: OpenID Connect authorization code + PKCE with
 * openid-client, then a page showing who they are, which organization they act for and their roles
 * (straight from the ID token's claims). node:http and an in-memory session map: a sketch of what a
 * real app does with its own framework and session store.
 *
 * With WEBHOOK_SECRET it also keeps its own user table in step with Gatehouse (users.mjs): signed
 * webhooks at POST /webhooks/gatehouse, and the pull API at start with GATEHOUSE_API_TOKEN. A member
 * deactivated or removed is gone from /users and signed out of this app at once.
 *
 * POST /backchannel-logout takes Gatehouse's back-channel logout tokens (OpenID Connect Back-Channel
 * Logout 1.0; register the URL as the client's backchannel_logout_uri): a valid token ends this
 * app's sessions of that sid (or, without one, of that user), so signing out anywhere — Gatehouse,
 * the IdP's "sign out everywhere" — signs the user out here too.
 *
 *   GATEHOUSE_ISSUER=http://localhost:4000/oidc CLIENT_ID=… CLIENT_SECRET=… node server.mjs
 */
import { randomBytes } from 'node:crypto'
import { Buffer } from 'node:buffer'
import { createServer } from 'node:http'
import { URLSearchParams } from 'node:url'
import * as oidc from 'openid-client'
import { logoutTokenVerifier, LogoutTokenError } from './logout-token.mjs'
import { createUserTable, verifyGatehouseSignature } from './users.mjs'

const escape = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const APP_NAME = 'Example host app'

/** `title · Example host app`, or the app's name alone on its own home page (never said twice). */
const page = (title, body) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title === APP_NAME ? APP_NAME : `${title} · ${APP_NAME}`)}</title></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`

/** A webhook body larger than this is refused unread (Gatehouse's events are a few KiB). */
const MAX_WEBHOOK_BODY = 1024 * 1024

const readBody = (req) =>
  new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    req.on('data', (chunk) => {
      size += chunk.length
      if (size > MAX_WEBHOOK_BODY) {
        reject(Object.assign(new Error('body too large'), { status: 413 }))
        req.destroy()
      } else chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })

/**
 * Starts the app. `issuer` is Gatehouse's `{BASE_URL}/oidc`; `appUrl` is where this app is reached
 * (its redirect URI is `${appUrl}/callback`, which must be registered with the client).
 * `webhookSecret` turns on POST /webhooks/gatehouse; `apiToken` (an operator token) reconciles the
 * user table from GET /api/v1/events before the app listens; `stateFile` keeps the table across restarts.
 */
export async function startHostApp({ issuer, clientId, clientSecret, appUrl, port, host = '127.0.0.1', webhookSecret, apiToken, stateFile, log = console }) {
  const insecure = new URL(issuer).protocol === 'http:'
  const config = await oidc.discovery(
    new URL(issuer),
    clientId,
    clientSecret === undefined ? undefined : {},
    clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(clientSecret),
    insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
  )
  const redirectUri = `${appUrl}/callback`
  const verifyLogoutToken = logoutTokenVerifier({ issuer: config.serverMetadata().issuer, clientId, jwksUri: config.serverMetadata().jwks_uri })
  /** session id → { pending?: { verifier, state, nonce }, user?: claims, idToken? } */
  const sessions = new Map()
  const SESSION_MS = 8 * 60 * 60 * 1000
  // A member deactivated or removed loses every session of this app in that org, at once.
  const users = createUserTable({
    stateFile,
    onGone: (gone) => {
      for (const [id, s] of sessions) if (s.user?.sub === gone.userId && (s.user.org === gone.orgSlug || s.user.org === undefined)) sessions.delete(id)
    },
  })
  if (apiToken !== undefined) {
    const apiUrl = issuer.replace(/\/oidc\/?$/, '')
    try {
      const applied = await users.reconcile({ apiUrl, token: apiToken })
      log.info(`reconciled from ${apiUrl}/api/v1/events: ${applied} new events`)
    } catch (error) {
      log.warn(`could not reconcile from ${apiUrl}/api/v1/events (${error.message}); webhooks still apply`)
    }
  }

  /** POST /webhooks/gatehouse: 401 unless signed with the secret within 5 minutes; each event id applied once. */
  const webhook = async (req, res) => {
    const json = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.method !== 'POST') return json(405, { error: 'use POST' })
    let raw
    try {
      raw = await readBody(req)
    } catch (error) {
      return json(error.status ?? 400, { error: error.message })
    }
    const header = req.headers['gatehouse-signature']
    if (typeof header !== 'string' || !verifyGatehouseSignature(webhookSecret, header, raw))
      return json(401, { error: 'Gatehouse-Signature is missing, wrong or older than 5 minutes' })
    let event
    try {
      event = JSON.parse(raw)
    } catch {
      return json(400, { error: 'the body is not JSON' })
    }
    if (typeof event?.id !== 'string' || typeof event.type !== 'string') return json(400, { error: 'the body is not an event (id, type)' })
    return json(200, { applied: users.apply(event) })
  }

  /**
   * POST /backchannel-logout: `logout_token` in a form body. 200 once this app's sessions of its sid
   * (or sub) are gone — also when there were none; 400 with the reason when the token is refused.
   */
  const backchannelLogout = async (req, res) => {
    const answer = (status, body) => {
      // Back-Channel Logout 1.0 §2.8: the answer must not be cached.
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      res.end(JSON.stringify(body))
    }
    if (req.method !== 'POST') return answer(405, { error: 'use POST' })
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) return answer(400, { error: 'invalid_request' })
    const token = new URLSearchParams(await readBody(req)).get('logout_token')
    if (!token) return answer(400, { error: 'invalid_request', error_description: 'no logout_token' })
    let claims
    try {
      claims = await verifyLogoutToken(token)
    } catch (error) {
      if (!(error instanceof LogoutTokenError)) throw error
      log.warn(error.message)
      return answer(400, { error: 'invalid_request', error_description: error.message })
    }
    let ended = 0
    for (const [id, s] of sessions) {
      const user = s.user
      if (user === undefined) continue
      if (claims.sid !== undefined ? user.sid === claims.sid : user.sub === claims.sub) {
        sessions.delete(id)
        ended++
      }
    }
    log.info(`back-channel logout: ${ended} session(s) ended`)
    return answer(200, { ended })
  }

  /**
   * The app's session of this request. One is made only where there is something to keep (the sign-in
   * about to start): a request without a cookie gets a throwaway one, so strangers cannot fill memory.
   * A session lasts SESSION_MS at most; old ones are dropped whenever a new one is made.
   */
  const sessionOf = (req, res, { create = false } = {}) => {
    const id = /(?:^|;\s*)app_session=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1]
    const now = Date.now()
    const existing = id === undefined ? undefined : sessions.get(id)
    if (existing !== undefined && now - existing.createdAt < SESSION_MS) return existing
    if (existing !== undefined) sessions.delete(id)
    if (!create) return { createdAt: now }
    for (const [old, s] of sessions) if (now - s.createdAt >= SESSION_MS) sessions.delete(old)
    const fresh = randomBytes(24).toString('base64url')
    sessions.set(fresh, { createdAt: now })
    res.setHeader('set-cookie', `app_session=${fresh}; Path=/; HttpOnly; SameSite=Lax${appUrl.startsWith('https:') ? '; Secure' : ''}`)
    return sessions.get(fresh)
  }
  const send = (res, status, html) => {
    // Chromium applies form-action to the redirects after a form: the sign-in form ends at Gatehouse.
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; form-action 'self' ${new URL(issuer).origin}`,
    })
    res.end(html)
  }
  const redirect = (res, location) => {
    res.writeHead(303, { location })
    res.end()
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, appUrl)
    if (url.pathname === '/backchannel-logout')
      return backchannelLogout(req, res).catch((error) => {
        log.error(`back-channel logout failed: ${error.message}`)
        if (!res.headersSent) res.writeHead(500).end()
      })
    if (url.pathname === '/webhooks/gatehouse' && webhookSecret !== undefined)
      return webhook(req, res).catch((error) => {
        log.error(`webhook not applied: ${error.message}`)
        if (!res.headersSent) res.writeHead(500).end()
      })
    const session = sessionOf(req, res, { create: url.pathname === '/login' })
    try {
      if (url.pathname === '/login') {
        // PKCE (RFC 7636, S256), state and nonce for this one sign-in.
        const verifier = oidc.randomPKCECodeVerifier()
        session.pending = { verifier, state: oidc.randomState(), nonce: oidc.randomNonce() }
        const organization = url.searchParams.get('organization')
        return redirect(
          res,
          oidc.buildAuthorizationUrl(config, {
            redirect_uri: redirectUri,
            scope: 'openid email profile org',
            code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
            code_challenge_method: 'S256',
            state: session.pending.state,
            nonce: session.pending.nonce,
            ...(organization ? { organization } : {}),
          }).href,
        )
      }
      if (url.pathname === '/callback') {
        const pending = session.pending
        delete session.pending
        if (pending === undefined) return send(res, 400, page('Sign-in failed', '<p>No sign-in was started here. <a href="/">Start again</a>.</p>'))
        const tokens = await oidc.authorizationCodeGrant(config, url, {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
        })
        session.user = tokens.claims()
        session.idToken = tokens.id_token
        return redirect(res, '/')
      }
      if (url.pathname === '/logout') {
        const idToken = session.idToken
        delete session.user
        delete session.idToken
        // RP-initiated logout: Gatehouse ends its session too, then sends the browser back here.
        return redirect(
          res,
          idToken === undefined ? '/' : oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: `${appUrl}/` }).href,
        )
      }
      if (url.pathname === '/users') {
        if (session.user === undefined) return redirect(res, '/')
        const list = users.activeIn(session.user.org)
        return send(
          res,
          200,
          page(
            'Users',
            `<p>The members of ${escape(session.user.org)} this app knows, kept in step by Gatehouse's events.</p>
<table><caption>Users</caption><thead><tr><th scope="col">Email</th><th scope="col">Name</th><th scope="col">Role</th></tr></thead><tbody>
${list.map((u) => `<tr><td>${escape(u.email)}</td><td>${escape(u.name)}</td><td>${escape(u.role)}</td></tr>`).join('\n') || '<tr><td colspan="3">none yet</td></tr>'}
</tbody></table>
<p><a href="/">Home</a></p>`,
          ),
        )
      }
      if (url.pathname !== '/') return send(res, 404, page('Not found', '<p><a href="/">Home</a></p>'))
      const user = session.user
      if (user === undefined) {
        return send(
          res,
          200,
          page(
            APP_NAME,
            `<p>You are not signed in.</p>
<p><a href="/login">Sign in with Gatehouse</a></p>
<form method="get" action="/login"><label for="organization">Or sign in for one organization</label>
<input id="organization" name="organization" placeholder="acme"> <button type="submit">Sign in</button></form>`,
          ),
        )
      }
      const roles = Object.entries(user.workspace_roles ?? {})
      return send(
        res,
        200,
        page(
          APP_NAME,
          `<p>Signed in as <strong id="name">${escape(user.name)}</strong> (<span id="email">${escape(user.email)}</span>)
with ${user.amr?.includes('saml') ? 'single sign-on' : 'a password'}.</p>
<dl><dt>Organization</dt><dd id="org">${escape(user.org)}</dd><dt>Organization role</dt><dd id="org-role">${escape(user.org_role)}</dd></dl>
<table><caption>Workspace roles</caption><thead><tr><th scope="col">Workspace</th><th scope="col">Role</th></tr></thead><tbody>
${roles.map(([slug, role]) => `<tr><td>${escape(slug)}</td><td>${escape(role)}</td></tr>`).join('\n') || '<tr><td colspan="2">none</td></tr>'}
</tbody></table>
<p><a href="/users">Users</a> · <a href="/logout">Sign out</a></p>`,
        ),
      )
    } catch (error) {
      return send(res, 502, page('Sign-in failed', `<p>${escape(error?.error_description ?? error?.message ?? error)}</p><p><a href="/">Start again</a></p>`))
    }
  })
  await new Promise((resolve) => server.listen(port, host, resolve))
  return { server, close: () => new Promise((resolve) => server.close(resolve)) }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 3000)
  const issuer = process.env.GATEHOUSE_ISSUER ?? 'http://localhost:4000/oidc'
  const clientId = process.env.CLIENT_ID
  if (!clientId) {
    console.error('Set CLIENT_ID (and CLIENT_SECRET for a confidential client): see README.md')
    process.exit(1)
  }
  const appUrl = process.env.APP_URL ?? `http://localhost:${port}`
  await startHostApp({
    issuer,
    clientId,
    clientSecret: process.env.CLIENT_SECRET || undefined,
    appUrl,
    port,
    host: process.env.HOST ?? 'localhost',
    webhookSecret: process.env.WEBHOOK_SECRET || undefined,
    apiToken: process.env.GATEHOUSE_API_TOKEN || undefined,
    stateFile: process.env.STATE_FILE || undefined,
  })
  console.log(`Example host app on ${appUrl} (sign-in through ${issuer})`)
}
