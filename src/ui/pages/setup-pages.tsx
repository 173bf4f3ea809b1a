/** First-owner set-up and accepting an invitation. */
import type { FC } from 'hono/jsx'
import { Csrf, Field, FormError, type FieldErrors } from '../form.js'
import { Layout } from '../layout.js'

export interface SetupValues {
  readonly orgName?: string
  readonly orgSlug?: string
  readonly email?: string
  readonly firstName?: string
  readonly lastName?: string
}

export const SetupPage: FC<{ csrf: string; token: string; values?: SetupValues; errors?: FieldErrors | undefined; error?: string | undefined }> = ({
  csrf,
  token,
  values = {},
  errors,
  error,
}) => (
  <Layout title="Set up Gatehouse" scripts={['/static/suggest.js', '/static/forget-url-secret.js']}>
    <section class="card">
      <h1>Set up Gatehouse</h1>
      <p>Create the first organization. You become its owner and can then invite members and connect its identity provider.</p>
      <FormError message={error} />
      <form method="post" action="/setup" novalidate>
        <Csrf token={csrf} />
        <input type="hidden" name="token" value={token} />
        <fieldset>
          <legend>Organization</legend>
          <Field name="orgName" label="Organization name" value={values.orgName} errors={errors} autofocus />
          <Field
            name="orgSlug"
            label="Slug"
            value={values.orgSlug}
            errors={errors}
            suggestFrom="f-orgName"
            autocomplete="off"
            hint="3–63 characters: a-z, 0-9 and -. Used in URLs and the API; suggested from the name as you type."
          />
        </fieldset>
        <fieldset>
          <legend>You, the owner</legend>
          <Field name="email" label="Email" type="email" value={values.email} errors={errors} autocomplete="username" />
          <div class="row">
            <Field name="firstName" label="First name" value={values.firstName} errors={errors} autocomplete="given-name" />
            <Field name="lastName" label="Last name" value={values.lastName} errors={errors} autocomplete="family-name" />
          </div>
          <Field name="password" label="Password" type="password" errors={errors} autocomplete="new-password" hint="At least 10 characters." />
        </fieldset>
        <button type="submit" class="primary">
          Create organization
        </button>
      </form>
    </section>
  </Layout>
)

export interface InvitationView {
  readonly orgName: string
  readonly email: string
  readonly role: string
  /** 'new': create a password; 'signin': sign in as the invited email first; 'accept': one click. */
  readonly mode: 'new' | 'signin' | 'accept'
}

export const AcceptInvitationPage: FC<{
  csrf: string
  token: string
  invitation: InvitationView
  values?: { firstName?: string; lastName?: string }
  errors?: FieldErrors | undefined
  error?: string | undefined
  signInHref: string
}> = (p) => (
  <Layout title="Accept invitation" scripts={['/static/forget-url-secret.js']}>
    <section class="card narrow">
      <h1>Join {p.invitation.orgName}</h1>
      <p>
        <strong>{p.invitation.email}</strong> is invited as <strong>{p.invitation.role}</strong>.
      </p>
      <FormError message={p.error} />
      {p.invitation.mode === 'signin' ? (
        <p>
          You already have an account. <a href={p.signInHref}>Sign in as {p.invitation.email}</a> to accept.
        </p>
      ) : (
        <form method="post" action="/invitations/accept" novalidate>
          <Csrf token={p.csrf} />
          <input type="hidden" name="token" value={p.token} />
          {p.invitation.mode === 'new' && (
            <>
              <div class="row">
                <Field name="firstName" label="First name" value={p.values?.firstName} errors={p.errors} autocomplete="given-name" autofocus />
                <Field name="lastName" label="Last name" value={p.values?.lastName} errors={p.errors} autocomplete="family-name" />
              </div>
              <Field name="password" label="Choose a password" type="password" errors={p.errors} autocomplete="new-password" hint="At least 10 characters." />
            </>
          )}
          <button type="submit" class="primary">
            Accept and join
          </button>
        </form>
      )}
    </section>
  </Layout>
)
