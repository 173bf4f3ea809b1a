/** Step 4 of the SSO set-up (DESIGN §2): user management — enforcement, sessions, provisioning, attribute and role mapping. */
import type { FC } from 'hono/jsx'
import { Checkbox, Csrf, Field, GroupError, Radio, Select, TextArea } from '../form.js'
import { ownValue } from '../../core/keyed-record.js'
import { SsoFrame, ssoPath, type SsoPageBase } from './sso-frame.js'

export interface PolicyFormValues {
  readonly enforcement: string
  readonly apiAllowList: string
  readonly sessionTimeoutHours: string
  readonly provisioning: string
  readonly allowIdpInitiated: boolean
  readonly requireEncryptedAssertions: boolean
  readonly attributeMapping: { readonly email: string; readonly firstName: string; readonly lastName: string; readonly roles: string }
  readonly roleMapping: {
    readonly enabled: boolean
    readonly attribute: string
    readonly delimiter: string
    readonly rules: readonly { idpRole: string; orgRole: string; workspaceRoles: Readonly<Record<string, string>> }[]
  }
  readonly workspaceAttributes: { readonly enabled: boolean; readonly prefix: string }
}

/** Blank rule rows offered after the existing ones. */
export const BLANK_RULE_ROWS = 3

export const SsoPolicyPage: FC<
  SsoPageBase & { values: PolicyFormValues; workspaces: readonly { slug: string; name: string }[]; workspaceRoles: readonly string[] }
> = (p) => {
  const v = p.values
  const off = !p.canEdit
  const rules = [...v.roleMapping.rules, ...Array.from({ length: off ? 0 : BLANK_RULE_ROWS }, () => ({ idpRole: '', orgRole: 'member', workspaceRoles: {} }))]
  const delimiters = [
    [' ', 'space'],
    [',', 'comma'],
    [';', 'semicolon'],
  ] as const
  const customDelimiter = delimiters.some(([d]) => d === v.roleMapping.delimiter) ? '' : v.roleMapping.delimiter
  return (
    <SsoFrame {...p} title="User management" step="/policy" configured>
      <form method="post" action={`${ssoPath(p.org.slug)}/policy`} novalidate>
        <Csrf token={p.csrf} />
        <fieldset aria-describedby={p.errors?.enforcement === undefined ? undefined : 'f-enforcement-error'}>
          <legend>Enforcement once SSO is enabled</legend>
          <Radio
            name="enforcement"
            value="optional"
            checked={v.enforcement === 'optional'}
            disabled={off}
            label="Optional"
            hint="Members may sign in with SSO or their password."
          />
          <Radio
            name="enforcement"
            value="exceptions"
            checked={v.enforcement === 'exceptions'}
            disabled={off}
            label="Required, with exceptions"
            hint='SSO required, except members marked "allow access without SSO" on the members page.'
          />
          <Radio
            name="enforcement"
            value="strict"
            checked={v.enforcement === 'strict'}
            disabled={off}
            label="Strict"
            hint="SSO only, no exceptions (the operator can still turn SSO off if the IdP breaks)."
          />
          <GroupError errors={p.errors} name="enforcement" />
        </fieldset>
        <fieldset>
          <legend>API access while SSO is required</legend>
          <TextArea
            name="apiAllowList"
            label="API email allow-list"
            value={v.apiAllowList}
            disabled={off}
            errors={p.errors}
            hint="One email per line. These members may still use personal API tokens and API password sign-in (never the password page); under strict nobody else may."
          />
        </fieldset>
        <fieldset>
          <legend>Sessions and sign-in</legend>
          <Field
            name="sessionTimeoutHours"
            required={false}
            label="SSO session timeout (hours)"
            type="number"
            min={1}
            max={24}
            value={v.sessionTimeoutHours}
            disabled={off}
            errors={p.errors}
            hint="1 to 24 hours; every SSO session of this organization ends by then."
          />
          <Checkbox
            name="allowIdpInitiated"
            checked={v.allowIdpInitiated}
            disabled={off}
            label="Allow IdP-initiated sign-in"
            hint="Members may start from the IdP's dashboard tile (Okta, Entra My Apps)."
          />
          <Checkbox
            name="requireEncryptedAssertions"
            checked={v.requireEncryptedAssertions}
            disabled={off}
            label="Require encrypted assertions"
            hint="The IdP must encrypt assertions to the SP certificate; plain ones are refused."
          />
        </fieldset>
        <fieldset>
          <legend>Provisioning</legend>
          <Radio
            name="provisioning"
            value="invite-only"
            checked={v.provisioning === 'invite-only'}
            disabled={off}
            label="Invite-only"
            hint="Only invited members may sign in."
          />
          <Radio
            name="provisioning"
            value="just-in-time"
            checked={v.provisioning === 'just-in-time'}
            disabled={off}
            label="Just-in-time"
            hint="Anyone the IdP signs in becomes a member (role member, no workspace roles, unless role mapping says otherwise)."
          />
          <GroupError errors={p.errors} name="provisioning" />
        </fieldset>
        <fieldset>
          <legend>Attribute mapping</legend>
          <p class="hint">Attribute names, one per line; the first present wins.</p>
          <div class="row">
            <TextArea name="attributeMapping.email" label="Email" value={v.attributeMapping.email} disabled={off} errors={p.errors} />
            <TextArea name="attributeMapping.firstName" label="First name" value={v.attributeMapping.firstName} disabled={off} errors={p.errors} />
            <TextArea name="attributeMapping.lastName" label="Last name" value={v.attributeMapping.lastName} disabled={off} errors={p.errors} />
            <TextArea name="attributeMapping.roles" label="Roles" value={v.attributeMapping.roles} disabled={off} errors={p.errors} />
          </div>
          <GroupError errors={p.errors} name="attributeMapping" />
        </fieldset>
        <fieldset>
          <legend>IdP role mapping (advanced)</legend>
          <Checkbox
            name="roleMapping.enabled"
            checked={v.roleMapping.enabled}
            disabled={off}
            label="Roles come from the IdP"
            hint="Recomputed at every SSO sign-in; such members' roles cannot be edited here, and provisioning is just-in-time. The owner is never lowered."
          />
          <div class="row">
            <Field
              name="roleMapping.attribute"
              required={false}
              label="Roles attribute"
              value={v.roleMapping.attribute}
              disabled={off}
              errors={p.errors}
              hint="Multi-valued, or one value split by the delimiter."
            />
            <Select name="roleMapping.delimiter" label="Role delimiter" disabled={off}>
              {delimiters.map(([d, name]) => (
                <option value={d} selected={v.roleMapping.delimiter === d}>
                  {name}
                </option>
              ))}
              <option value="other" selected={customDelimiter !== ''}>
                another character…
              </option>
            </Select>
            <Field
              name="roleMapping.delimiterOther"
              required={false}
              label="Other delimiter"
              value={customDelimiter}
              disabled={off}
              errors={p.errors}
              hint="One character, used when “another character” is chosen."
            />
          </div>
          <div class="table-scroll">
            <table>
              <caption>Rules: IdP role → org role and workspace roles. Several matching rules combine to the highest roles.</caption>
              <thead>
                <tr>
                  <th scope="col">IdP role</th>
                  <th scope="col">Org role</th>
                  {p.workspaces.map((w) => (
                    <th scope="col">{w.name}</th>
                  ))}
                  {!off && <th scope="col">Remove</th>}
                </tr>
              </thead>
              <tbody>
                {rules.map((rule, i) => (
                  <tr>
                    <td>
                      <input name={`rule.${i}.idpRole`} value={rule.idpRole} aria-label={`IdP role of rule ${i + 1}`} disabled={off} />
                    </td>
                    <td>
                      <select name={`rule.${i}.orgRole`} aria-label={`Org role of rule ${i + 1}`} disabled={off}>
                        {['member', 'admin'].map((r) => (
                          <option value={r} selected={rule.orgRole === r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    </td>
                    {p.workspaces.map((w) => (
                      <td>
                        <select name={`rule.${i}.ws.${w.slug}`} aria-label={`${w.name} role of rule ${i + 1}`} disabled={off}>
                          <option value="" selected={ownValue(rule.workspaceRoles, w.slug) === undefined}>
                            no access
                          </option>
                          {p.workspaceRoles.map((r) => (
                            <option value={r} selected={ownValue(rule.workspaceRoles, w.slug) === r}>
                              {r}
                            </option>
                          ))}
                        </select>
                      </td>
                    ))}
                    {!off && (
                      <td>{i < v.roleMapping.rules.length && <input type="checkbox" name={`rule.${i}.remove`} aria-label={`Remove rule ${i + 1}`} />}</td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="hint">To add a rule, fill in an empty row; to remove one, tick Remove (or clear its IdP role), then save.</p>
          <GroupError errors={p.errors} name="roleMapping" />
        </fieldset>
        <fieldset>
          <legend>Per-workspace role attributes</legend>
          <Checkbox
            name="workspaceAttributes.enabled"
            checked={v.workspaceAttributes.enabled}
            disabled={off}
            label="Read one attribute per workspace"
            hint='Attribute "<prefix><workspace>" valued with a role name or {"role":"editor"}; {} or noaccess removes access.'
          />
          <Field
            name="workspaceAttributes.prefix"
            required={false}
            label="Attribute prefix"
            value={v.workspaceAttributes.prefix}
            disabled={off}
            errors={p.errors}
          />
          <GroupError errors={p.errors} name="workspaceAttributes" />
        </fieldset>
        {p.canEdit && (
          <button type="submit" class="primary">
            Save user management
          </button>
        )}
      </form>
    </SsoFrame>
  )
}
