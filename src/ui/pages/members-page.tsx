/** An org's members: invite, change roles, set allow-without-SSO, deactivate or reactivate, remove; pending invitations. */
import type { FC } from 'hono/jsx'
import { Csrf, Field, FormError, type FieldErrors } from '../form.js'
import { Layout, type Viewer } from '../layout.js'
import { ownValue } from '../../core/keyed-record.js'
import { Crumbs } from '../crumbs.js'

export interface MemberRow {
  readonly id: string
  readonly email: string
  readonly name: string
  readonly role: string
  readonly allowWithoutSso: boolean
  readonly workspaceRoles: Readonly<Record<string, string>>
  readonly editable: boolean
  readonly isSelf: boolean
  /** Roles come from the IdP's role mapping: shown, not editable here. */
  readonly managedByIdp: boolean
  /** Those roles come (also) from the org's directory: the member's SCIM groups are IdP roles (DESIGN §8). */
  readonly rolesFromDirectory?: boolean
  /** Switched off (DESIGN §8): by the org's directory (SCIM `active: false`) or by an owner. */
  readonly deactivatedBy?: 'directory' | 'owner' | undefined
  /** The viewer may deactivate (or reactivate) this member: an owner, never for themselves or another active owner. */
  readonly canSetActive: boolean
}

export interface MembersPageProps {
  readonly viewer: Viewer
  readonly csrf: string
  readonly org: { name: string; slug: string }
  readonly members: readonly MemberRow[]
  readonly invitations: readonly { id: string; email: string; role: string; expiresAt: string; revocable: boolean }[]
  readonly workspaces: readonly { slug: string; name: string }[]
  readonly workspaceRoles: readonly string[]
  /** Org roles the viewer may hand out. */
  readonly assignableRoles: readonly string[]
  /** Allow access without SSO is SSO policy: the owner's alone (DESIGN §2); admins see it read-only. */
  readonly canExemptFromSso: boolean
  readonly notice?: string | undefined
  /** An invitation was just sent, and mail goes to the development outbox (no SMTP): say where to read it. */
  readonly invitedToOutbox?: boolean | undefined
  readonly error?: string | undefined
  readonly inviteErrors?: FieldErrors | undefined
  readonly inviteEmail?: string | undefined
}

const RoleSelect: FC<{ name: string; id: string; roles: readonly string[]; value: string; form?: string; label: string }> = ({
  name,
  id,
  roles,
  value,
  form,
  label,
}) => (
  <select name={name} id={id} form={form} aria-label={label}>
    {roles.map((r) => (
      <option value={r} selected={r === value}>
        {r}
      </option>
    ))}
  </select>
)

const WorkspaceSelect: FC<{ name: string; id: string; roles: readonly string[]; value: string | undefined; form?: string; label: string }> = ({
  name,
  id,
  roles,
  value,
  form,
  label,
}) => (
  <select name={name} id={id} form={form} aria-label={label}>
    <option value="" selected={value === undefined}>
      no access
    </option>
    {roles.map((r) => (
      <option value={r} selected={r === value}>
        {r}
      </option>
    ))}
  </select>
)

const ExemptionCell: FC<{ member: MemberRow; form: string; editable: boolean }> = ({ member, form, editable }) => (
  <td data-label="Allow access without SSO">
    {editable ? (
      <input
        type="checkbox"
        name="allowWithoutSso"
        value="on"
        checked={member.allowWithoutSso}
        form={form}
        aria-label={`Allow ${member.email} access without SSO`}
      />
    ) : member.allowWithoutSso ? (
      'yes'
    ) : (
      'no'
    )}
  </td>
)

/** Deactivate or Reactivate (the owner's), for the rows that offer it. */
const ActiveSwitch: FC<{ base: string; member: MemberRow; csrf: string }> = ({ base, member, csrf }) => {
  if (!member.canSetActive) return null
  const reactivate = member.deactivatedBy !== undefined
  return (
    <form method="post" action={`${base}/members/${member.id}/${reactivate ? 'reactivate' : 'deactivate'}`} class="inline">
      <Csrf token={csrf} />
      <button type="submit" class={reactivate ? undefined : 'danger'} aria-label={`${reactivate ? 'Reactivate' : 'Deactivate'} ${member.email}`}>
        {reactivate ? 'Reactivate' : 'Deactivate'}
      </button>
    </form>
  )
}

/** Save (the row's form, which its controls join by `form=`), Deactivate or Reactivate, and Remove. */
const MemberActions: FC<{ base: string; member: MemberRow; form: string; csrf: string; keepRoles: boolean }> = ({ base, member, form, csrf, keepRoles }) => (
  <td class="actions" data-label="">
    <form method="post" action={`${base}/members/${member.id}`} id={form} class="inline">
      <Csrf token={csrf} />
      {keepRoles && <input type="hidden" name="keepRoles" value="idp" />}
      <button type="submit">Save</button>
    </form>
    <ActiveSwitch base={base} member={member} csrf={csrf} />
    <form method="post" action={`${base}/members/${member.id}/remove`} class="inline">
      <Csrf token={csrf} />
      <button type="submit" class="danger" aria-label={`Remove ${member.email}`}>
        Remove
      </button>
    </form>
  </td>
)

export const MembersPage: FC<MembersPageProps> = (p) => {
  const base = `/orgs/${p.org.slug}`
  return (
    <Layout title={`Members of ${p.org.name}`} viewer={p.viewer} csrf={p.csrf} wide notice={p.notice}>
      <Crumbs org={p.org} trail={[['Members']]} />
      <p class="muted">
        Also for {p.org.name}: <a href={`${base}/sso`}>Single sign-on</a> · <a href={`${base}/directory`}>Directory</a> ·{' '}
        <a href={`${base}/audit`}>Audit log</a>
      </p>
      <h1>Members</h1>
      {p.invitedToOutbox === true && (
        <p class="hint">
          No SMTP server is set, so in development the invitation mail is in the outbox: <a href="/dev/outbox">/dev/outbox</a>.
        </p>
      )}
      <FormError message={p.error} />
      <section class="card" aria-labelledby="members-heading">
        <h2 id="members-heading">
          {p.members.length} member{p.members.length === 1 ? '' : 's'}
        </h2>
        {p.members.some((m) => m.managedByIdp) && (
          <p class="hint">
            Roles marked <span class="badge subtle">from IdP</span> come from the identity provider's role mapping: they are recomputed at every SSO sign-in, so
            change them in the IdP (the member's groups), or turn role mapping off under <a href={`${base}/sso/policy`}>single sign-on</a>.
            {p.members.some((m) => m.rolesFromDirectory) && (
              <>
                {' '}
                Those marked <span class="badge subtle">from directory</span> also follow the member's groups in the directory (SCIM), as soon as the IdP pushes
                them.
              </>
            )}
          </p>
        )}
        {p.members.some((m) => m.deactivatedBy !== undefined) && (
          <p class="hint">
            A <span class="badge warn">Deactivated</span> member can do nothing in {p.org.name}: no sign-in, no session, no API token. Those marked “by
            directory” were switched off by your identity provider; if you reactivate one here, they stay on until the IdP switches them off again, so assign
            them to the app there too.
          </p>
        )}
        <div class="table-scroll">
          <table class="members stack labels-above">
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Org role</th>
                <th scope="col">Allow access without SSO</th>
                {p.workspaces.map((w) => (
                  <th scope="col">{w.name}</th>
                ))}
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {p.members.map((m) => {
                const form = `member-${m.id}`
                return (
                  <tr class={m.deactivatedBy === undefined ? undefined : 'deactivated'}>
                    <td data-label="">
                      <strong>{m.name || m.email}</strong>
                      <br />
                      <span class="muted">{m.email}</span>
                      {m.isSelf && <span class="badge subtle">you</span>}
                      {m.allowWithoutSso && <span class="badge">SSO exception</span>}
                      {m.deactivatedBy !== undefined && (
                        <span class="badge warn" id={`${form}-deactivated`}>
                          Deactivated{m.deactivatedBy === 'directory' ? ' by directory' : ''}
                        </span>
                      )}
                    </td>
                    {m.editable && m.managedByIdp ? (
                      <>
                        <td data-label="Org role">
                          {m.role}{' '}
                          <span class="badge subtle" id={`${form}-idp`}>
                            {m.rolesFromDirectory ? 'from directory' : 'from IdP'}
                          </span>
                        </td>
                        <ExemptionCell member={m} form={form} editable={p.canExemptFromSso} />
                        {p.workspaces.map((w) => (
                          <td data-label={w.name}>{ownValue(m.workspaceRoles, w.slug) ?? <span class="muted">no access</span>}</td>
                        ))}
                        <MemberActions base={base} member={m} form={form} csrf={p.csrf} keepRoles />
                      </>
                    ) : m.editable ? (
                      <>
                        <td data-label="Org role">
                          <RoleSelect
                            name="role"
                            id={`${form}-role`}
                            roles={p.assignableRoles.includes(m.role) ? p.assignableRoles : [m.role, ...p.assignableRoles]}
                            value={m.role}
                            form={form}
                            label={`Org role of ${m.email}`}
                          />
                        </td>
                        <ExemptionCell member={m} form={form} editable={p.canExemptFromSso} />
                        {p.workspaces.map((w) => (
                          <td data-label={w.name}>
                            <WorkspaceSelect
                              name={`ws.${w.slug}`}
                              id={`${form}-ws-${w.slug}`}
                              roles={p.workspaceRoles}
                              value={ownValue(m.workspaceRoles, w.slug)}
                              form={form}
                              label={`Role of ${m.email} on ${w.name}`}
                            />
                          </td>
                        ))}
                        <MemberActions base={base} member={m} form={form} csrf={p.csrf} keepRoles={false} />
                      </>
                    ) : (
                      <>
                        <td data-label="Org role">{m.role}</td>
                        <td data-label="Allow access without SSO">{m.allowWithoutSso ? 'yes' : 'no'}</td>
                        {p.workspaces.map((w) => (
                          <td data-label={w.name}>{ownValue(m.workspaceRoles, w.slug) ?? <span class="muted">no access</span>}</td>
                        ))}
                        <td class="actions" data-label="">
                          <ActiveSwitch base={base} member={m} csrf={p.csrf} />
                        </td>
                      </>
                    )}
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      </section>

      <section class="card" aria-labelledby="invite-heading">
        <h2 id="invite-heading">Invite a member</h2>
        <form method="post" action={`${base}/invitations`} novalidate>
          <Csrf token={p.csrf} />
          <div class="row">
            <Field name="email" label="Email" type="email" value={p.inviteEmail} errors={p.inviteErrors} />
            <div class="field">
              <label for="invite-role">Org role</label>
              <RoleSelect name="role" id="invite-role" roles={p.assignableRoles} value="member" label="Org role" />
            </div>
          </div>
          {p.workspaces.length > 0 && (
            <fieldset>
              <legend>Workspace roles</legend>
              <div class="row wrap">
                {p.workspaces.map((w) => (
                  <div class="field">
                    <label for={`invite-ws-${w.slug}`}>{w.name}</label>
                    <WorkspaceSelect name={`ws.${w.slug}`} id={`invite-ws-${w.slug}`} roles={p.workspaceRoles} value={undefined} label={`Role on ${w.name}`} />
                  </div>
                ))}
              </div>
            </fieldset>
          )}
          <button type="submit" class="primary">
            Send invitation
          </button>
        </form>
      </section>

      {p.invitations.length > 0 && (
        <section class="card" aria-labelledby="pending-heading">
          <h2 id="pending-heading">Pending invitations</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {p.invitations.map((i) => (
                <tr>
                  <td>{i.email}</td>
                  <td>{i.role}</td>
                  <td>
                    <time datetime={i.expiresAt}>{i.expiresAt.slice(0, 10)}</time>
                  </td>
                  <td class="actions">
                    {i.revocable && (
                      <form method="post" action={`${base}/invitations/${i.id}/revoke`} class="inline">
                        <Csrf token={p.csrf} />
                        <button type="submit" class="danger" aria-label={`Revoke the invitation of ${i.email}`}>
                          Revoke
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </Layout>
  )
}
