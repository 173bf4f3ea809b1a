/** Sign-in, sign-out, forgot and reset password. */
import type { FC } from 'hono/jsx'
import { Csrf, Field, FormError, type FieldErrors } from '../form.js'
import { Layout, type Viewer } from '../layout.js'

/** `app`: the OpenID Connect client this sign-in is for, named so the user knows who is asking. */
export const SignInPage: FC<{
  csrf: string
  email?: string | undefined
  next?: string | undefined
  error?: string | undefined
  notice?: string | undefined
  ssoName?: string | undefined
  ssoError?: string | undefined
  app?: string | undefined
}> = (p) => (
  <Layout title={p.app === undefined ? 'Sign in' : `Sign in to continue to ${p.app}`} notice={p.notice}>
    <section class="card narrow">
      <h1>Sign in</h1>
      {p.app !== undefined && (
        <p class="muted">
          to continue to <strong>{p.app}</strong>
        </p>
      )}
      <FormError message={p.error} />
      <form method="post" action="/login" novalidate>
        <Csrf token={p.csrf} />
        {p.next !== undefined && <input type="hidden" name="next" value={p.next} />}
        <Field name="email" label="Email" type="email" value={p.email} autocomplete="username" autofocus={p.email === undefined && p.ssoError === undefined} />
        <Field name="password" label="Password" type="password" autocomplete="current-password" autofocus={p.email !== undefined} />
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
      <p class="aside">
        <a href="/forgot-password">Forgot your password?</a>
      </p>
    </section>
    <section class="card narrow" aria-labelledby="sso-heading">
      <h2 id="sso-heading">Sign in with SSO</h2>
      <form method="get" action="/sso">
        {p.next !== undefined && <input type="hidden" name="next" value={p.next} />}
        <Field
          name="sso_name"
          label="Your work email or your organization's SSO name"
          value={p.ssoName}
          errors={p.ssoError === undefined ? undefined : { sso_name: p.ssoError }}
          hint="For example jo@acme.com, or acme; your IT administrator can tell you."
          autocomplete="email"
          autofocus={p.ssoError !== undefined}
        />
        <button type="submit" class={p.ssoName !== undefined ? 'primary' : undefined}>
          Continue with SSO
        </button>
      </form>
    </section>
  </Layout>
)

export const SignOutPage: FC<{ csrf: string; viewer: Viewer }> = ({ csrf, viewer }) => (
  <Layout title="Sign out" viewer={viewer} csrf={csrf}>
    <section class="card narrow">
      <h1>Sign out</h1>
      <p>
        You are signed in as <strong>{viewer.email}</strong>.
      </p>
      <form method="post" action="/logout">
        <Csrf token={csrf} />
        <button type="submit" class="primary">
          Sign out
        </button>
      </form>
    </section>
  </Layout>
)

/**
 * An SSO session whose org has since turned SSO off: it reaches nothing now. Say what happened and
 * the way back in (the error's message names the org), rather than "not a member" or "not allowed".
 */
export const SsoTurnedOffPage: FC<{ csrf: string; viewer: Viewer | undefined; message: string; reference: string }> = (p) => (
  <Layout title="Single sign-on was turned off" viewer={p.viewer} csrf={p.csrf}>
    <section class="card narrow">
      <h1>Single sign-on was turned off</h1>
      <p>{p.message}</p>
      <p>Your membership and roles are unchanged; only the way in is different.</p>
      <form method="post" action="/logout">
        <Csrf token={p.csrf} />
        <input type="hidden" name="then" value="password" />
        <button type="submit" class="primary">
          Sign out and sign in with your password
        </button>
      </form>
      <p class="aside">
        No password yet? <a href="/forgot-password">Set one</a>: we email you a link.
      </p>
      <p class="reference">
        Reference: <code>{p.reference}</code>
      </p>
    </section>
  </Layout>
)

export const ForgotPasswordPage: FC<{ csrf: string; sent?: boolean; email?: string | undefined; errors?: FieldErrors | undefined }> = ({
  csrf,
  sent,
  email,
  errors,
}) => (
  <Layout title="Forgot password">
    <section class="card narrow">
      <h1>Forgot your password?</h1>
      {sent ? (
        <p role="status">
          If an account exists for <strong>{email}</strong>, we have sent it a link to choose a new password. The link works once and expires in an hour.
        </p>
      ) : (
        <form method="post" action="/forgot-password" novalidate>
          <Csrf token={csrf} />
          <p>Enter your email and we will send you a link to choose a new password.</p>
          <Field name="email" label="Email" type="email" autocomplete="username" value={email} errors={errors} autofocus />
          <button type="submit" class="primary">
            Send the link
          </button>
        </form>
      )}
      <p class="aside">
        <a href="/login">Back to sign in</a>
      </p>
    </section>
  </Layout>
)

export const ResetPasswordPage: FC<{ csrf: string; token: string; errors?: FieldErrors | undefined }> = ({ csrf, token, errors }) => (
  <Layout title="Choose a new password" scripts={['/static/forget-url-secret.js']}>
    <section class="card narrow">
      <h1>Choose a new password</h1>
      <form method="post" action="/reset-password" novalidate>
        <Csrf token={csrf} />
        <input type="hidden" name="token" value={token} />
        <Field name="password" label="New password" type="password" autocomplete="new-password" hint="At least 10 characters." errors={errors} autofocus />
        <button type="submit" class="primary">
          Set password
        </button>
      </form>
    </section>
  </Layout>
)

export const MessagePage: FC<{
  title: string
  message: string
  reference?: string | undefined
  viewer?: Viewer | undefined
  csrf?: string | undefined
  link?: { href: string; text: string }
}> = (p) => (
  <Layout title={p.title} viewer={p.viewer} csrf={p.csrf}>
    <section class="card narrow">
      <h1>{p.title}</h1>
      <p>{p.message}</p>
      {p.reference !== undefined && (
        <p class="reference">
          Reference: <code>{p.reference}</code>
        </p>
      )}
      <p class="aside">
        <a href={p.link?.href ?? '/'}>{p.link?.text ?? 'Go to the start page'}</a>
      </p>
    </section>
  </Layout>
)
