/**
 * How to connect each IdP's SCIM provisioning to the directory (DESIGN §8), in that IdP's own field
 * labels, with the value to paste beside each. The token is never in a guide: it is shown once, at
 * the top of the page, when created.
 */
import type { Child, FC } from 'hono/jsx'
import { Breakable } from '../breakable.js'

export interface DirectoryGuide {
  readonly id: string
  readonly name: string
  readonly steps: readonly Child[]
}

/** Entra ID's switch to its SCIM 2.0-compliant behaviour (Microsoft's "Known issues … SCIM 2.0 protocol compliance"). */
export const ENTRA_FLAG = 'aadOptscim062020'

const V: FC<{ value: string; id: string }> = ({ value, id }) => (
  <span class="paste-value">
    <code class="paste" id={id}>
      <Breakable text={value} />
    </code>{' '}
    <button type="button" class="copy" data-copy-target={id} aria-label={`Copy ${value}`}>
      Copy
    </button>
  </span>
)

const TOKEN = <strong>the token</strong>

export function directoryGuides(baseUrl: string): DirectoryGuide[] {
  return [
    {
      id: 'okta',
      name: 'Okta',
      steps: [
        <>
          In the Okta Admin Console, open the Gatehouse app (<strong>Applications → Applications</strong>); on <strong>General → App Settings</strong>, tick{' '}
          <strong>Enable SCIM provisioning</strong> and save.
        </>,
        <>
          On <strong>Provisioning → Integration → Edit</strong>: <strong>SCIM connector base URL</strong>: <V value={baseUrl} id="okta-base-url" />
        </>,
        <>
          <strong>Unique identifier field for users</strong>: <code>userName</code>
        </>,
        <>
          <strong>Supported provisioning actions</strong>: <strong>Push New Users</strong> and <strong>Push Profile Updates</strong>.
        </>,
        <>
          <strong>Authentication Mode</strong>: <strong>HTTP Header</strong>; <strong>Authorization</strong>: Bearer, then paste {TOKEN}. Press{' '}
          <strong>Test Connector Configuration</strong>, then <strong>Save</strong>.
        </>,
        <>
          On <strong>Provisioning → To App → Edit</strong>, enable <strong>Create Users</strong>, <strong>Update User Attributes</strong> and{' '}
          <strong>Deactivate Users</strong>, then assign people or groups on <strong>Assignments</strong>.
        </>,
      ],
    },
    {
      id: 'entra',
      name: 'Microsoft Entra ID',
      steps: [
        <>
          In the Entra admin center, open <strong>Enterprise applications</strong>, the Gatehouse app, then <strong>Provisioning</strong> (
          <strong>Get started</strong> or <strong>New configuration</strong>).
        </>,
        <>
          <strong>Provisioning Mode</strong>: <strong>Automatic</strong>.
        </>,
        <>
          <strong>Tenant URL</strong>: <V value={`${baseUrl}?${ENTRA_FLAG}`} id="entra-tenant-url" />
          <br />
          <span class="hint">
            The base URL with <code>?{ENTRA_FLAG}</code>: this flag makes Entra send standard SCIM 2.0 (lower-case PATCH operations, real booleans instead of{' '}
            <code>"False"</code>, group members removed by value). Gatehouse understands Entra without it too, but with it Entra behaves as Microsoft documents
            for new apps.
          </span>
        </>,
        <>
          <strong>Secret Token</strong>: {TOKEN}. Press <strong>Test Connection</strong>, then <strong>Save</strong>.
        </>,
        <>
          Under <strong>Mappings → Provision Microsoft Entra ID Users</strong>, <code>userName</code> must get the user's email (the default{' '}
          <code>userPrincipalName</code> works when it is the email; otherwise map <code>mail</code>).
        </>,
        <>
          Assign users or groups under <strong>Users and groups</strong>, set <strong>Provisioning Status</strong> to <strong>On</strong> and save. Entra syncs
          about every 40 minutes; <strong>Provision on demand</strong> tries one user at once.
        </>,
      ],
    },
    {
      id: 'onelogin',
      name: 'OneLogin',
      steps: [
        <>
          In OneLogin Administration, open <strong>Applications → Add App</strong> and choose <strong>SCIM Provisioner with SAML (SCIM v2 Enterprise)</strong>.
        </>,
        <>
          On <strong>Configuration</strong>: <strong>SCIM Base URL</strong>: <V value={baseUrl} id="onelogin-base-url" />
        </>,
        <>
          <strong>SCIM Bearer Token</strong>: {TOKEN}. Under <strong>API Connection</strong>, press <strong>Enable</strong>.
        </>,
        <>
          On <strong>Provisioning</strong>, tick <strong>Enable provisioning</strong>; when a user is deleted or suspended in OneLogin, choose{' '}
          <strong>Suspend</strong> (Gatehouse deactivates the member) or <strong>Delete</strong> (removes the membership).
        </>,
        <>Assign users to the app; approve their provisioning under Users if OneLogin asks for approval.</>,
      ],
    },
    {
      id: 'jumpcloud',
      name: 'JumpCloud',
      steps: [
        <>
          In the JumpCloud Admin Portal, open <strong>SSO Applications</strong>, the Gatehouse app, then the <strong>Identity Management</strong> tab.
        </>,
        <>
          SCIM version <strong>SCIM 2.0</strong>; <strong>Base URL</strong>: <V value={baseUrl} id="jumpcloud-base-url" />
        </>,
        <>
          <strong>Token Key</strong>: {TOKEN}. <strong>Test User Email</strong>: an address in one of your verified email domains. Press{' '}
          <strong>Test Connection</strong>, then <strong>Activate</strong>.
        </>,
        <>
          Bind user groups to the app on <strong>User Groups</strong>: their users are created here; a suspended or removed user is deactivated.
        </>,
      ],
    },
    {
      id: 'other',
      name: 'Any other SCIM 2.0 client',
      steps: [
        <>
          SCIM 2.0 base URL (endpoint, tenant URL): <V value={baseUrl} id="other-base-url" />
        </>,
        <>
          Authentication: an HTTP header <code>Authorization: Bearer</code> {TOKEN} (sometimes called an OAuth bearer token or API token).
        </>,
        <>
          Users: <code>userName</code> is the email; <code>active: false</code> deactivates the member, <code>{'DELETE /Users/{id}'}</code> removes the
          membership. Lookups use <code>userName eq "…"</code>.
        </>,
        <>
          Try it: <V value={`curl -H "Authorization: Bearer <token>" "${baseUrl}/Users?count=1"`} id="other-curl" />
        </>,
      ],
    },
  ]
}
