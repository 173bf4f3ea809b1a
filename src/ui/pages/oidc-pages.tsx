/** Pages of OpenID Connect sign-in: choosing the org for an app, signing in again, signing out of an app. */
import type { FC } from 'hono/jsx'
import { Csrf } from '../form.js'
import { Layout, type Viewer } from '../layout.js'

export interface OrgChoice {
  readonly slug: string
  readonly name: string
  readonly role: string
}

/** Back to the app without signing in: it gets access_denied. */
const CancelForm: FC<{ csrf: string; action: string; clientName: string }> = (p) => (
  <form method="post" action={p.action}>
    <Csrf token={p.csrf} />
    <input type="hidden" name="action" value="cancel" />
    <button type="submit" class="link">
      Cancel and go back to {p.clientName}
    </button>
  </form>
)

export const ChooseOrgPage: FC<{ csrf: string; action: string; clientName: string; orgs: readonly OrgChoice[]; viewer: Viewer }> = (p) => (
  <Layout title="Choose an organization" viewer={p.viewer} csrf={p.csrf}>
    <section class="card narrow">
      <h1>Choose an organization</h1>
      <p>
        Which organization do you want to use <strong>{p.clientName}</strong> for?
      </p>
      <form method="post" action={p.action}>
        <Csrf token={p.csrf} />
        <input type="hidden" name="action" value="choose" />
        <ul class="choices">
          {p.orgs.map((org) => (
            <li>
              <button type="submit" name="org" value={org.slug} class="primary">
                {org.name} <span class="muted">({org.role})</span>
              </button>
            </li>
          ))}
        </ul>
      </form>
      <CancelForm csrf={p.csrf} action={p.action} clientName={p.clientName} />
    </section>
  </Layout>
)

export const SignInAgainPage: FC<{
  csrf: string
  action: string
  clientName: string
  reason: 'other_org' | 'fresh_login'
  orgName: string | undefined
  viewer: Viewer
}> = (p) => (
  <Layout title="Sign in again" viewer={p.viewer} csrf={p.csrf}>
    <section class="card narrow">
      <h1>Sign in again</h1>
      <p>
        {p.reason === 'other_org'
          ? `${p.clientName} asks for ${p.orgName ?? 'another organization'}, which your current sign-in does not cover. Sign in again to continue; this ends your current Gatehouse session.`
          : `${p.clientName} asks you to confirm who you are. Sign in again to continue; this ends your current Gatehouse session.`}
      </p>
      <form method="post" action={p.action}>
        <Csrf token={p.csrf} />
        <input type="hidden" name="action" value="sign_in_again" />
        <button type="submit" class="primary">
          Sign in again
        </button>
      </form>
      <CancelForm csrf={p.csrf} action={p.action} clientName={p.clientName} />
    </section>
  </Layout>
)

export const SignOutOfAppPage: FC<{ action: string; xsrf: string; clientName: string | undefined }> = (p) => (
  <Layout title="Sign out">
    <section class="card narrow">
      <h1>Sign out</h1>
      <p>{p.clientName === undefined ? 'Sign out of Gatehouse?' : `${p.clientName} asks to sign you out. This also ends your Gatehouse session.`}</p>
      <form method="post" action={p.action}>
        <input type="hidden" name="xsrf" value={p.xsrf} />
        <button type="submit" name="logout" value="yes" class="primary" autofocus>
          Sign out
        </button>
      </form>
    </section>
  </Layout>
)

export const SignedOutOfAppPage: FC<{ clientName: string | undefined }> = (p) => (
  <Layout title="Signed out">
    <section class="card narrow">
      <h1>Signed out</h1>
      <p>{p.clientName === undefined ? 'You are signed out.' : `You are signed out of ${p.clientName} and Gatehouse.`}</p>
      <p class="aside">
        <a href="/login">Sign in again</a>
      </p>
    </section>
  </Layout>
)
