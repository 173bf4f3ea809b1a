/** SAML HTTP-POST binding: a form to the IdP (or, from the development IdP, to our ACS), submitted by /static/auto-submit.js, or by hand without JavaScript. */
import type { FC } from 'hono/jsx'
import { Layout } from '../layout.js'

export const PostBindingPage: FC<{ url: string; fields: Readonly<Record<string, string>>; title?: string }> = ({ url, fields, title = 'Continue to your identity provider' }) => (
  <Layout title={title}>
    <section class="card narrow">
      <h1>{title}</h1>
      <form method="post" action={url} id="saml-post" data-auto-submit="true">
        {Object.entries(fields).map(([name, value]) => <input type="hidden" name={name} value={value} />)}
        <p>If nothing happens, continue by hand.</p>
        <button type="submit" class="primary">Continue</button>
      </form>
    </section>
    <script src="/static/auto-submit.js" defer></script>
  </Layout>
)
