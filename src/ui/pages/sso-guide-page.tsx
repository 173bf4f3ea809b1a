/** Step 2 of the SSO set-up (DESIGN §2): the app to create in the chosen IdP (idp-guides.tsx), and the values to paste. */
import type { Child, FC } from 'hono/jsx'
import { SpDetailsList, type SpDetails } from './sso-details.js'
import { SsoFrame, ssoPath, type SsoPageBase } from './sso-frame.js'

export interface IdpGuide {
  readonly id: string
  readonly name: string
  readonly steps: readonly Child[]
  /** What this IdP calls its attribute settings. */
  readonly attributeTerm: string
  readonly attributes: readonly { readonly name: string; readonly value: string }[]
}

export const SsoGuidePage: FC<SsoPageBase & { sp: SpDetails; guides: readonly IdpGuide[]; chosen: string }> = (p) => {
  const guide = p.guides.find((g) => g.id === p.chosen) ?? p.guides[0]!
  return (
    <SsoFrame {...p} title="Set up the app in your IdP" step="/guide" configured>
      <nav aria-label="Identity providers" class="tabs">
        {p.guides.map((g) =>
          g.id === guide.id ? <span aria-current="page">{g.name}</span> : <a href={`${ssoPath(p.org.slug)}/guide?idp=${g.id}`}>{g.name}</a>,
        )}
      </nav>
      <section class="card" aria-labelledby="guide-heading">
        <h2 id="guide-heading">{guide.name}</h2>
        <ol class="guide">
          {guide.steps.map((s) => (
            <li>{s}</li>
          ))}
        </ol>
      </section>
      <section class="card" aria-labelledby="attributes-heading">
        <h2 id="attributes-heading">Attributes: {guide.attributeTerm}</h2>
        <div class="table-scroll">
          <table class="stack">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Value in {guide.name}</th>
              </tr>
            </thead>
            <tbody>
              {guide.attributes.map((a, i) => (
                <tr>
                  <td data-label="Name">
                    <code id={`attr-${i}`}>{a.name}</code>{' '}
                    <button type="button" class="copy" data-copy-target={`attr-${i}`} aria-label={`Copy ${a.name}`}>
                      Copy
                    </button>
                  </td>
                  <td data-label="Value">{a.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p class="hint">
          roles and the workspace attributes are optional: they matter only with role mapping or workspace attributes turned on in step 4. Other attribute names
          work too: list them in step 4's attribute mapping.
        </p>
      </section>
      <section class="card" aria-labelledby="values-heading">
        <h2 id="values-heading">Values to paste</h2>
        <SpDetailsList sp={p.sp} enabled={false} />
        <p class="row">
          <a class="button" href={`${p.sp.metadataUrl}?download=1`} download>
            Download SP metadata
          </a>
          <a class="button" href={p.sp.certificateUrl} download>
            Download SP certificate
          </a>
          <a class="button" href={`${ssoPath(p.org.slug)}/idp`}>
            Next: configure the IdP here
          </a>
        </p>
      </section>
    </SsoFrame>
  )
}
