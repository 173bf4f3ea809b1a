/** The result of a test of the SSO connection: verdict, how to fix a failure, who and which roles, the SAML tracer. */
import type { FC } from 'hono/jsx'
import type { XmlLine } from '../../saml/pretty-xml.js'
import { Csrf } from '../form.js'
import { XmlTrace } from '../xml-trace.js'
import { SsoFrame, ssoPath, type SsoPageBase } from './sso-frame.js'

export interface SsoTestPageProps extends SsoPageBase {
  readonly testId: string
  readonly ssoName: string
  readonly createdAt: string
  readonly current: boolean
  /** Run through a set-up link: its session and the owners see the page. */
  readonly ranBySetupLink?: boolean | undefined
  readonly enabled: boolean
  readonly loginUrl: string
  readonly result:
    | {
        readonly passed: boolean
        readonly failure?: { readonly code: string; readonly hint: string; readonly fields: readonly [string, string][] } | undefined
        readonly nameId?: string | undefined
        readonly nameIdFormat?: string | undefined
        readonly email?: string | undefined
        readonly access?: string | undefined
        readonly attributes?: Readonly<Record<string, readonly string[]>> | undefined
        readonly signedParts?: string | undefined
        readonly signatureAlgorithm?: string | undefined
        readonly idpRoles: readonly string[]
        readonly rolesAttribute?: string | undefined
        /** The member's directory group names, IdP roles beside the assertion's. */
        readonly directoryRoles?: readonly string[] | undefined
        readonly currentRoles?: { readonly orgRole: string; readonly workspaceRoles: Readonly<Record<string, string>> } | undefined
        readonly mappedRoles?:
          { readonly orgRole: string; readonly workspaceRoles: Readonly<Record<string, string>>; readonly matchedRules: readonly string[] } | undefined
        readonly warnings: readonly string[]
        readonly responseXml: readonly XmlLine[] | string
        readonly decryptedAssertionXml?: readonly XmlLine[] | string | undefined
        /** Elements whose lines the tracer marks as the failed check. */
        readonly mark: readonly string[]
        readonly markValue?: string | undefined
      }
    | undefined
}

const RolesText: FC<{ roles: { orgRole: string; workspaceRoles: Readonly<Record<string, string>> } }> = ({ roles }) => {
  const ws = Object.entries(roles.workspaceRoles)
  return (
    <>
      org role <strong>{roles.orgRole}</strong>
      {'; '}
      {ws.length === 0
        ? 'no workspace roles'
        : ws.map(([slug, role], i) => (
            <>
              {i > 0 && ', '}
              <code>{slug}</code>: {role}
            </>
          ))}
    </>
  )
}

export const SsoTestPage: FC<SsoTestPageProps> = (p) => {
  const r = p.result
  return (
    <SsoFrame {...p} title="SSO test result" step="test" configured>
      <p class="muted">
        Test of <code>{p.ssoName}</code> started {p.createdAt.replace('T', ' ').slice(0, 19)} UTC. Nobody was signed in or provisioned;{' '}
        {p.ranBySetupLink === true
          ? `it was run through a set-up link: only that link's browser session and ${p.org.name}'s owners can see this page.`
          : 'only you can see this page.'}
      </p>
      {r === undefined && (
        <section class="card">
          <p>Waiting for the identity provider's answer. If you closed the IdP's page, start a new test.</p>
        </section>
      )}
      {r !== undefined && (
        <section class={r.passed ? 'card result ok' : 'card result failed'} aria-labelledby="verdict">
          <h2 id="verdict">{r.passed ? 'Success: the IdP signed you in correctly' : `Failed: ${r.failure?.code ?? 'unknown'}`}</h2>
          {r.failure !== undefined && (
            <>
              <p>
                <strong>How to fix it:</strong> {r.failure.hint}
              </p>
              {r.failure.fields.length > 0 && (
                <dl class="details">
                  {r.failure.fields.map(([k, val]) => (
                    <div class="copyable">
                      <dt>{k}</dt>
                      <dd>
                        <code>{val}</code>
                      </dd>
                    </div>
                  ))}
                </dl>
              )}
            </>
          )}
          {r.passed && !p.current && <p class="alert">The IdP configuration changed since this test: test again before enabling.</p>}
          {r.passed && p.current && !p.enabled && p.canEdit && (
            <form method="post" action={`${ssoPath(p.org.slug)}/enable`}>
              <Csrf token={p.csrf} />
              <button type="submit" class="primary">
                Enable SSO
              </button>
            </form>
          )}
          {p.enabled && (
            <p>
              SSO is enabled. One-click sign-in URL: <code>{p.loginUrl}</code>
            </p>
          )}
        </section>
      )}
      {r !== undefined && r.warnings.length > 0 && (
        <section class="card" aria-labelledby="warnings-heading">
          <h2 id="warnings-heading">Warnings</h2>
          <ul class="warnings">
            {r.warnings.map((w) => (
              <li>{w}</li>
            ))}
          </ul>
        </section>
      )}
      {r?.nameId !== undefined && (
        <section class="card" aria-labelledby="who-heading">
          <h2 id="who-heading">Who the IdP said you are</h2>
          <dl class="details">
            <div class="copyable">
              <dt>NameID</dt>
              <dd>
                <code>{r.nameId}</code>
                {r.nameIdFormat !== undefined && <span class="muted"> ({r.nameIdFormat})</span>}
              </dd>
            </div>
            {r.email !== undefined && (
              <div class="copyable">
                <dt>Email used</dt>
                <dd>
                  <code>{r.email}</code>
                </dd>
              </div>
            )}
            {r.access !== undefined && (
              <div class="copyable">
                <dt>A real sign-in would</dt>
                <dd>
                  {r.access === 'member'
                    ? 'sign in this existing member'
                    : r.access === 'provisioned'
                      ? 'create this member (just-in-time provisioning)'
                      : 'refuse this user (not a member; invite-only)'}
                </dd>
              </div>
            )}
            {r.signedParts !== undefined && (
              <div class="copyable">
                <dt>Signed</dt>
                <dd>
                  {r.signedParts}, {r.signatureAlgorithm}
                </dd>
              </div>
            )}
          </dl>
        </section>
      )}
      {r?.attributes !== undefined && (
        <section class="card" aria-labelledby="attributes-heading">
          <h2 id="attributes-heading">Attributes received ({Object.keys(r.attributes).length})</h2>
          {Object.keys(r.attributes).length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <div class="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Values</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(r.attributes).map(([name, values]) => (
                    <tr>
                      <td>
                        <code>{name}</code>
                      </td>
                      <td>
                        {values.map((val, i) => (
                          <>
                            {i > 0 && <br />}
                            <code>{val}</code>
                          </>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
      {r?.nameId !== undefined && (
        <section class="card" aria-labelledby="roles-heading">
          <h2 id="roles-heading">Roles</h2>
          <dl class="details">
            <div class="copyable">
              <dt>
                IdP roles received
                {r.rolesAttribute !== undefined && (
                  <>
                    {' '}
                    (attribute <code>{r.rolesAttribute}</code>)
                  </>
                )}
              </dt>
              <dd>
                {r.idpRoles.length === 0 ? (
                  <span class="muted">none</span>
                ) : (
                  r.idpRoles.map((role, i) => (
                    <>
                      {i > 0 && ', '}
                      <code>{role}</code>
                    </>
                  ))
                )}
              </dd>
            </div>
            {r.directoryRoles !== undefined && r.directoryRoles.length > 0 && (
              <div class="copyable">
                <dt>Directory groups (also IdP roles)</dt>
                <dd>
                  {r.directoryRoles.map((role, i) => (
                    <>
                      {i > 0 && ', '}
                      <code>{role}</code>
                    </>
                  ))}
                </dd>
              </div>
            )}
            {r.currentRoles !== undefined && (
              <div class="copyable">
                <dt>Roles in Gatehouse today</dt>
                <dd>
                  <RolesText roles={r.currentRoles} />
                </dd>
              </div>
            )}
            {r.mappedRoles !== undefined ? (
              <div class="copyable">
                <dt>Roles after this sign-in</dt>
                <dd>
                  <RolesText roles={r.mappedRoles} />
                  {r.mappedRoles.matchedRules.length > 0 && <span class="muted"> (rules matched: {r.mappedRoles.matchedRules.join(', ')})</span>}
                </dd>
              </div>
            ) : (
              <div class="copyable">
                <dt>Roles after this sign-in</dt>
                <dd>
                  unchanged: role mapping and workspace attributes are off
                  {r.access === 'provisioned' && ' (a new member gets org role member and no workspace roles)'}
                </dd>
              </div>
            )}
          </dl>
        </section>
      )}
      {r !== undefined && r.responseXml !== '' && (
        <section class="card" aria-labelledby="xml-heading">
          <h2 id="xml-heading">The SAML response, decoded</h2>
          <XmlTrace
            lines={r.responseXml}
            mark={r.decryptedAssertionXml === undefined ? r.mark : r.mark.filter((m) => m === 'Response' || m === 'EncryptedAssertion')}
            markValue={r.markValue}
            label="The SAML response"
          />
          {r.decryptedAssertionXml !== undefined && (
            <>
              <h3>The encrypted assertion, decrypted</h3>
              <XmlTrace lines={r.decryptedAssertionXml} mark={r.mark} markValue={r.markValue} label="The decrypted assertion" />
            </>
          )}
        </section>
      )}
      <p class="row">
        <a class="button" href={ssoPath(p.org.slug)}>
          Back to single sign-on
        </a>
      </p>
    </SsoFrame>
  )
}
