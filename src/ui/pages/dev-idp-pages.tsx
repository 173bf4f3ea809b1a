/**
 * The development IdP's pages (issue 6): its home, the sign-in page for a request (or an
 * IdP-initiated sign-in) and its refusals. Every page carries the same unmistakable banner.
 */
import type { FC, PropsWithChildren } from 'hono/jsx'
import { Checkbox, Csrf, Field, FormError, TextArea, type FieldErrors } from '../form.js'
import { Layout } from '../layout.js'
import type { DevIdpUserForm } from '../../core/dev-idp.js'

export const DEV_IDP_WARNING = 'Development IdP — for trying Gatehouse, never for production'

const DevIdpFrame: FC<PropsWithChildren<{ title: string }>> = ({ title, children }) => (
  <Layout title={`${title} · Development IdP`}>
    <p class="dev-banner" role="note">
      <strong>{DEV_IDP_WARNING}.</strong> It signs anyone in as anyone: it exists only when Gatehouse runs outside production.
    </p>
    {children}
  </Layout>
)

export const DevIdpHomePage: FC<{
  entityId: string
  ssoUrl: string
  metadataUrl: string
  ssoName?: string | undefined
  error?: string | undefined
  logoutError?: string | undefined
  csrf?: string | undefined
}> = (p) => (
  <DevIdpFrame title="Development IdP">
    <h1>Development IdP</h1>
    <section class="card" aria-labelledby="use-heading">
      <h2 id="use-heading">Use it</h2>
      <p>
        As an organization's owner, open <strong>Single sign-on → 3. Identity provider</strong> and press <strong>Use the development IdP</strong>. Then{' '}
        <strong>Test SSO</strong> brings you here to choose who to sign in as.
      </p>
      <dl class="details">
        <div class="copyable">
          <dt>Metadata URL</dt>
          <dd>
            <a href={p.metadataUrl}>
              <code>{p.metadataUrl}</code>
            </a>
          </dd>
        </div>
        <div class="copyable">
          <dt>Entity ID (issuer)</dt>
          <dd>
            <code>{p.entityId}</code>
          </dd>
        </div>
        <div class="copyable">
          <dt>Single sign-on URL (HTTP-Redirect and HTTP-POST)</dt>
          <dd>
            <code>{p.ssoUrl}</code>
          </dd>
        </div>
      </dl>
    </section>
    <section class="card" aria-labelledby="start-heading">
      <h2 id="start-heading">IdP-initiated sign-in</h2>
      <p class="muted">Like clicking the app's tile in Okta or Entra: no request from Gatehouse first.</p>
      <FormError message={p.error} />
      <form method="get" action="/dev/idp/start" novalidate>
        <Field name="sso_name" label="SSO name" value={p.ssoName} autocomplete="off" />
        <button type="submit" class="primary">
          Continue
        </button>
      </form>
    </section>
    <section class="card" aria-labelledby="logout-heading">
      <h2 id="logout-heading">Sign out everywhere</h2>
      <p class="muted">
        Like signing out of Okta or Entra: a signed single logout request ends this person's SSO sessions in the organization (IdP-initiated single logout).
      </p>
      <FormError message={p.logoutError} />
      <form method="post" action="/dev/idp/logout" novalidate>
        {p.csrf === undefined ? null : <Csrf token={p.csrf} />}
        <Field name="sso_name" label="SSO name" value={p.ssoName} autocomplete="off" />
        <Field name="email" label="Email" type="email" autocomplete="off" />
        <button type="submit">Sign out everywhere</button>
      </form>
    </section>
  </DevIdpFrame>
)

/** Gatehouse's answer to "Sign out everywhere". */
export const DevIdpSignedOutPage: FC<{ ssoName: string; success: boolean; status: string }> = (p) => (
  <DevIdpFrame title="Signed out everywhere">
    <section class="card narrow">
      <h1>{p.success ? 'Signed out everywhere' : 'Gatehouse did not sign you out'}</h1>
      <p>
        Gatehouse answered for <code>{p.ssoName}</code> with <code>{p.status}</code>.
      </p>
      <p>
        <a href="/dev/idp">Back to the development IdP</a>
      </p>
    </section>
  </DevIdpFrame>
)

/** What the sign-in form shows and posts: the fields of core's DevIdpUserForm. */
export type DevIdpFormValues = DevIdpUserForm

export interface DevIdpSignInProps {
  readonly csrf: string
  readonly orgName: string
  readonly ssoName: string
  readonly acsUrl: string
  readonly spEntityId: string
  /** The AuthnRequest answered; undefined for IdP-initiated. */
  readonly requestId: string | undefined
  readonly relayState: string | undefined
  readonly values: DevIdpFormValues
  readonly errors?: FieldErrors | undefined
  readonly error?: string | undefined
  readonly users: readonly { email: string; firstName: string; lastName: string }[]
  /** IdP roles the connection's role mapping has rules for. */
  readonly knownRoles: readonly string[]
  readonly requireEncryption: boolean
  /** The member just picked: the form below is theirs, waiting for Sign in. */
  readonly picked?: { email: string; firstName: string; lastName: string } | undefined
}

/** A member as a person reads them: the name, then the email; the email alone when there is no name. */
const nameOf = (u: { firstName: string; lastName: string }): string => `${u.firstName} ${u.lastName}`.trim()
const MemberLabel: FC<{ user: { email: string; firstName: string; lastName: string } }> = ({ user }) =>
  nameOf(user) === '' ? (
    <>{user.email}</>
  ) : (
    <>
      {nameOf(user)} <span class="muted">{user.email}</span>
    </>
  )

/** The request's state, carried by both forms; the server re-derives the ACS from the SSO name. */
const RequestState: FC<{ csrf: string; ssoName: string; requestId: string | undefined; relayState: string | undefined }> = (s) => (
  <>
    <Csrf token={s.csrf} />
    <input type="hidden" name="ssoName" value={s.ssoName} />
    {s.requestId !== undefined && <input type="hidden" name="requestId" value={s.requestId} />}
    {s.relayState !== undefined && <input type="hidden" name="relayState" value={s.relayState} />}
  </>
)

export const DevIdpSignInPage: FC<DevIdpSignInProps> = (p) => {
  const v = p.values
  return (
    <DevIdpFrame title={`Sign in to ${p.orgName}`}>
      <h1>Sign in to {p.orgName}</h1>
      <p>
        {p.requestId === undefined ? (
          <>
            IdP-initiated sign-in for the SSO connection <code>{p.ssoName}</code>.
          </>
        ) : (
          <>
            Gatehouse asks who you are for the SSO connection <code>{p.ssoName}</code> (request <code>{p.requestId}</code>).
          </>
        )}{' '}
        The signed answer goes to <code>{p.acsUrl}</code> for <code>{p.spEntityId}</code>.
      </p>
      <FormError message={p.error} />
      {p.users.length > 0 && (
        <section class="card" aria-labelledby="pick-heading">
          <h2 id="pick-heading">Pick a member of {p.orgName}</h2>
          <p class="hint" id="pick-what">
            Fills in the form below with the member's email and name; add roles if you need them, then press Sign in.
          </p>
          <form method="post" action="/dev/idp/respond#who-heading" class="row">
            <RequestState csrf={p.csrf} ssoName={p.ssoName} requestId={p.requestId} relayState={p.relayState} />
            {p.users.map((u) => (
              <button type="submit" name="pick" value={u.email} aria-describedby="pick-what">
                <MemberLabel user={u} />
              </button>
            ))}
          </form>
        </section>
      )}
      <section class="card" aria-labelledby="who-heading">
        <h2 id="who-heading">{p.picked === undefined ? 'Or type who to sign in as' : 'Sign in as the member picked'}</h2>
        {p.picked !== undefined && (
          <p class="notice" role="status">
            Filled in for <MemberLabel user={p.picked} />. Add roles or attributes if you need them, then press <strong>Sign in</strong>.
          </p>
        )}
        <form method="post" action="/dev/idp/respond" novalidate>
          <RequestState csrf={p.csrf} ssoName={p.ssoName} requestId={p.requestId} relayState={p.relayState} />
          <Field name="email" label="Email (NameID and the email attribute)" type="email" value={v.email} errors={p.errors} autocomplete="off" />
          <div class="row">
            <Field name="firstName" label="First name" value={v.firstName} errors={p.errors} required={false} autocomplete="off" />
            <Field name="lastName" label="Last name" value={v.lastName} errors={p.errors} required={false} autocomplete="off" />
          </div>
          <TextArea
            name="roles"
            label="Roles or groups"
            value={v.roles}
            errors={p.errors}
            hint={
              p.knownRoles.length > 0
                ? `One per line. The role mapping of ${p.orgName} knows: ${p.knownRoles.join(', ')}.`
                : 'One per line, sent as one multi-valued attribute.'
            }
          />
          <Field
            name="rolesAttribute"
            label="Attribute name for the roles or groups"
            value={v.rolesAttribute}
            errors={p.errors}
            required={false}
            autocomplete="off"
          />
          <TextArea
            name="attributes"
            label="Extra attributes"
            value={v.attributes}
            errors={p.errors}
            hint="name=value, one per line, for example workspace.prod=editor. A name given twice is sent with both values."
          />
          <Checkbox
            name="encrypt"
            checked={v.encrypt}
            label="Encrypt the assertion"
            hint={`To the SP certificate (RSA-OAEP, AES-256-GCM).${p.requireEncryption ? ' This connection requires it.' : ''}`}
          />
          <Checkbox name="signResponse" checked={v.signResponse} label="Sign the Response too (the Assertion is always signed)" />
          <button type="submit" class="primary">
            Sign in
          </button>
        </form>
      </section>
    </DevIdpFrame>
  )
}

export const DevIdpRefusalPage: FC<{ message: string; reference: string }> = ({ message, reference }) => (
  <DevIdpFrame title="Request refused">
    <h1>The development IdP refused this request</h1>
    <p class="alert" role="alert">
      {message}
    </p>
    <p class="reference muted">
      Reference: <code>{reference}</code>
    </p>
    <p>
      <a href="/dev/idp">Development IdP home</a>
    </p>
  </DevIdpFrame>
)
