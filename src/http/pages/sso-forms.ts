/** The SSO pages' forms as values and back: the user-management (policy) form and the IdP form's helpers. */
import type { SsoPolicy } from '../../core/sso-connection.js'
import type { IdpFormValues } from '../../ui/pages/sso-idp-page.js'
import type { PolicyFormValues } from '../../ui/pages/sso-policy-page.js'
import { field } from './page-context.js'

const lines = (value: string): string[] =>
  value
    .split(/[\r\n,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '')

export function policyValues(policy: SsoPolicy): PolicyFormValues {
  return {
    enforcement: policy.enforcement,
    apiAllowList: policy.apiAllowList.join('\n'),
    sessionTimeoutHours: String(policy.sessionTimeoutHours),
    provisioning: policy.provisioning,
    allowIdpInitiated: policy.allowIdpInitiated,
    requireEncryptedAssertions: policy.requireEncryptedAssertions,
    attributeMapping: {
      email: policy.attributeMapping.email.join('\n'),
      firstName: policy.attributeMapping.firstName.join('\n'),
      lastName: policy.attributeMapping.lastName.join('\n'),
      roles: policy.attributeMapping.roles.join('\n'),
    },
    roleMapping: {
      enabled: policy.roleMapping.enabled,
      attribute: policy.roleMapping.attribute,
      delimiter: policy.roleMapping.delimiter,
      rules: policy.roleMapping.rules,
    },
    workspaceAttributes: policy.workspaceAttributes,
  }
}

/** The page form as a policy patch (the same shape as PATCH …/sso/policy), and as values to show again on error. */
export function policyFromForm(body: unknown, workspaceSlugs: readonly string[]): { patch: Record<string, unknown>; values: PolicyFormValues } {
  const f = (name: string) => field(body, name)
  const rules: { idpRole: string; orgRole: string; workspaceRoles: Record<string, string> }[] = []
  for (let i = 0; i < 1000; i++) {
    if (f(`rule.${i}.orgRole`) === '' && f(`rule.${i}.idpRole`) === '') {
      if (i > 0 && f(`rule.${i + 1}.orgRole`) === '') break
      continue
    }
    const idpRole = f(`rule.${i}.idpRole`).trim()
    if (idpRole === '' || f(`rule.${i}.remove`) === 'on') continue
    const workspaceRoles: Record<string, string> = {}
    for (const slug of workspaceSlugs) {
      const role = f(`rule.${i}.ws.${slug}`)
      if (role !== '') workspaceRoles[slug] = role
    }
    rules.push({ idpRole, orgRole: f(`rule.${i}.orgRole`) || 'member', workspaceRoles })
  }
  const delimiterChoice = f('roleMapping.delimiter')
  const delimiter = delimiterChoice === 'other' ? f('roleMapping.delimiterOther') : delimiterChoice === '' ? ' ' : delimiterChoice
  const hours = f('sessionTimeoutHours').trim()
  const values: PolicyFormValues = {
    enforcement: f('enforcement'),
    apiAllowList: f('apiAllowList'),
    sessionTimeoutHours: hours,
    provisioning: f('provisioning'),
    allowIdpInitiated: f('allowIdpInitiated') === 'on',
    requireEncryptedAssertions: f('requireEncryptedAssertions') === 'on',
    attributeMapping: {
      email: f('attributeMapping.email'),
      firstName: f('attributeMapping.firstName'),
      lastName: f('attributeMapping.lastName'),
      roles: f('attributeMapping.roles'),
    },
    roleMapping: { enabled: f('roleMapping.enabled') === 'on', attribute: f('roleMapping.attribute').trim(), delimiter, rules },
    workspaceAttributes: { enabled: f('workspaceAttributes.enabled') === 'on', prefix: f('workspaceAttributes.prefix').trim() },
  }
  const patch: Record<string, unknown> = {
    enforcement: values.enforcement,
    apiAllowList: lines(values.apiAllowList),
    sessionTimeoutHours: /^\d{1,3}$/.test(hours) ? Number(hours) : hours,
    provisioning: values.provisioning,
    allowIdpInitiated: values.allowIdpInitiated,
    requireEncryptedAssertions: values.requireEncryptedAssertions,
    attributeMapping: {
      email: lines(values.attributeMapping.email),
      firstName: lines(values.attributeMapping.firstName),
      lastName: lines(values.attributeMapping.lastName),
      roles: lines(values.attributeMapping.roles),
    },
    roleMapping: values.roleMapping,
    workspaceAttributes: values.workspaceAttributes,
  }
  return { patch, values }
}

/** PEM blocks, or bare base64 certificates separated by blank lines. */
export function splitCertificates(text: string): string[] {
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)
  if (pems !== null) return pems
  return text
    .split(/\n\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

export function idpFieldOf(name: string | undefined, mode: IdpFormValues['mode']): string | undefined {
  if (name === 'metadata' || name === undefined) return mode === 'url' ? 'metadataUrl' : mode === 'metadata' ? 'metadataXml' : name
  return name
}
