/**
 * What every page of the owner's SSO set-up shares (DESIGN §2): the frame with its crumbs, the
 * admin's read-only notice and the five steps. Admins see every page read-only; only the owner
 * gets forms.
 */
import type { Child, FC } from 'hono/jsx'
import { FormError, type FieldErrors } from '../form.js'
import { Layout, type SetupLinkBanner, type Viewer } from '../layout.js'
import type { SsoProgress } from '../../core/sso-progress.js'
import { Crumbs } from '../crumbs.js'

export interface SsoPageBase {
  readonly viewer: Viewer
  readonly csrf: string
  readonly org: { readonly name: string; readonly slug: string }
  /** True for the owner: everything else is read-only. */
  readonly canEdit: boolean
  readonly notice?: string | undefined
  readonly error?: string | undefined
  readonly errors?: FieldErrors | undefined
  readonly progress?: SsoProgress | undefined
  /** A set-up link's session: no crumbs to the org's other pages; steps it does not open are shown closed. */
  readonly setupLink?: SetupLinkBanner | undefined
}

/** The SSO pages' root, `/orgs/{slug}/sso`; every step's path hangs off it. */
export const ssoPath = (slug: string) => `/orgs/${slug}/sso`

const STEPS: readonly { readonly path: string; readonly label: string }[] = [
  { path: '', label: '1. SSO name and service provider details' },
  { path: '/guide', label: '2. Set up the app in your IdP' },
  { path: '/idp', label: '3. Identity provider' },
  { path: '/policy', label: '4. User management' },
]

const Steps: FC<{ slug: string; current: string; configured: boolean; progress: SsoProgress | undefined; closed: readonly string[] }> = ({
  slug,
  current,
  configured,
  progress,
  closed,
}) => {
  // Ticked when true of the connection, never for having opened the page (issue 17 item 6).
  const done = [progress?.named, progress?.appSetUpInIdp, progress?.idpConfigured, progress?.policyChosen]
  const notes = [
    undefined,
    progress?.idpConfigured === true && !progress.appSetUpInIdp ? '(done once a test passes)' : undefined,
    undefined,
    progress?.policyChosen === false ? '(defaults)' : undefined,
  ]
  return (
    <nav aria-label="SSO set-up steps" class="steps">
      <ol>
        {STEPS.map((step, i) => (
          <li class={done[i] === true ? 'done' : undefined}>
            {step.path === current ? (
              <span aria-current="page">{step.label}</span>
            ) : closed.includes(step.path) ? (
              <span class="muted">
                {step.label} <span class="muted">(kept by the owner)</span>
              </span>
            ) : i === 0 || configured ? (
              <a href={ssoPath(slug) + step.path}>{step.label}</a>
            ) : (
              <span class="muted">{step.label}</span>
            )}
            {done[i] === true && <span class="visually-hidden"> (done)</span>}
            {notes[i] !== undefined && !closed.includes(step.path) && <span class="muted"> {notes[i]}</span>}
          </li>
        ))}
        <li class={progress?.enabled === true ? 'done' : undefined}>
          {current === '' ? <span>5. Test and enable</span> : <a href={ssoPath(slug)}>5. Test and enable</a>}
          <span class="muted"> {progress?.enabled === true ? '(enabled)' : '(not enabled)'}</span>
        </li>
      </ol>
    </nav>
  )
}

export const SsoFrame: FC<SsoPageBase & { title: string; step: string; configured: boolean; children?: Child }> = (p) => (
  <Layout
    title={`${p.title} · ${p.org.name}`}
    viewer={p.viewer}
    csrf={p.csrf}
    wide
    notice={p.notice}
    scripts={['/static/sso-setup.js']}
    setupLink={p.setupLink}
  >
    {p.setupLink === undefined && <Crumbs org={p.org} trail={p.step === '' ? [['Single sign-on']] : [['Single sign-on', ssoPath(p.org.slug)], [p.title]]} />}
    <h1>{p.title}</h1>
    {!p.canEdit && (
      <p class="notice" role="status">
        You are an admin of {p.org.name}: you can see its single sign-on set-up; only the owner can change it.
      </p>
    )}
    <Steps
      slug={p.org.slug}
      current={p.step}
      configured={p.configured}
      progress={p.progress}
      closed={p.setupLink !== undefined && !p.setupLink.scopes.includes('policy') ? ['/policy'] : []}
    />
    <FormError message={p.error} />
    {p.children}
  </Layout>
)
