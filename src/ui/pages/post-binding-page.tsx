/** SAML HTTP-POST binding: a form to the IdP (or, from the development IdP, to our ACS), submitted by /static/auto-submit.js, or by hand without JavaScript. */
import type { FC } from 'hono/jsx'
import { Layout } from '../layout.js'

export const PostBindingPage: FC<{ url: string; fields: Readonly<Record<string, string>>; title?: string }> = ({
  url,
  fields,
  title = 'Continue to your identity provider',
}) => (
  <Layout title={title}>
    <section class="card narrow">
      <h1>{title}</h1>
      <form method="post" action={url} id="saml-post" data-auto-submit="true">
        {Object.entries(fields).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <p>If nothing happens, continue by hand.</p>
        <button type="submit" class="primary">
          Continue
        </button>
      </form>
    </section>
    <script src="/static/auto-submit.js" defer></script>
  </Layout>
)

/**
 * The way to the IdP after one of our forms: Chromium holds every redirect that follows a form
 * submission to the submitting page's CSP `form-action`, so a redirect to the IdP's origin would be
 * blocked. A meta refresh is a new navigation, which form-action does not govern; the link is there
 * for anyone whose browser does not follow it.
 */
export const IdpRedirectPage: FC<{ url: string }> = ({ url }) => (
  <Layout title="Continue to your identity provider" refreshTo={url}>
    <section class="card narrow">
      <h1>Continue to your identity provider</h1>
      <p>Taking you to your organization's sign-in page…</p>
      <p>
        <a class="button primary" href={url}>
          Continue
        </a>
      </p>
    </section>
  </Layout>
)
