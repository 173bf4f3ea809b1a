/**
 * Step 2 of the SSO set-up (DESIGN §2): how to create the app in each IdP, naming that IdP's own
 * field labels next to the value to paste.
 */
import type { FC } from 'hono/jsx'
import { Breakable } from '../breakable.js'
import type { SpDetails } from './sso-details.js'
import type { IdpGuide } from './sso-guide-page.js'

/** A value to paste, with its copy button (ids are unique within one guide page). */
let counter = 0
const V: FC<{ value: string }> = ({ value }) => {
  const id = `paste-${counter++}`
  return (
    <span class="paste-value">
      <code class="paste" id={id}>
        <Breakable text={value} />
      </code>{' '}
      <button type="button" class="copy" data-copy-target={id} aria-label={`Copy ${value}`}>
        Copy
      </button>
    </span>
  )
}

export interface GuideAttribute {
  /** The attribute name Gatehouse reads by default. */
  readonly name: string
  /** What to pick in that IdP for its value. */
  readonly value: string
}

const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'

export function idpGuides(sp: SpDetails, workspaceSlug = 'prod'): IdpGuide[] {
  counter = 0
  const ws = `workspace.${workspaceSlug}`
  return [
    {
      id: 'okta',
      name: 'Okta',
      attributeTerm: 'Attribute Statements (Name format: Basic)',
      attributes: [
        { name: 'email', value: 'user.email' },
        { name: 'first_name', value: 'user.firstName' },
        { name: 'last_name', value: 'user.lastName' },
        { name: 'roles', value: 'Group Attribute Statements: filter “Matches regex” on the groups that carry roles' },
        { name: ws, value: 'an expression such as "editor", or a user profile attribute' },
      ],
      steps: [
        <>
          In the Okta Admin Console, open <strong>Applications → Applications → Create App Integration</strong>, choose <strong>SAML 2.0</strong>, and name the
          app.
        </>,
        <>
          <strong>Single sign-on URL</strong>: <V value={sp.acsUrl} />; keep <strong>Use this for Recipient URL and Destination URL</strong> checked.
        </>,
        <>
          <strong>Audience URI (SP Entity ID)</strong>: <V value={sp.entityId} />.
        </>,
        <>
          <strong>Name ID format</strong>: EmailAddress; <strong>Application username</strong>: Email.
        </>,
        <>
          <strong>Attribute Statements</strong> (Name format Basic): <code>email</code> = <code>user.email</code>, <code>first_name</code> ={' '}
          <code>user.firstName</code>, <code>last_name</code> = <code>user.lastName</code>. Optional <strong>Group Attribute Statements</strong>:{' '}
          <code>roles</code>, with a filter for the groups that carry roles.
        </>,
        <>
          Under <strong>Show Advanced Settings</strong>, to encrypt assertions: <strong>Assertion Encryption</strong> Encrypted, and upload the SP certificate
          (download below).
        </>,
        <>
          Optional, single logout: under <strong>Show Advanced Settings</strong> check <strong>Enable Single Logout</strong>, set{' '}
          <strong>Single Logout URL</strong> to <V value={sp.sloUrl} /> and <strong>SP Issuer</strong> to <V value={sp.entityId} />, and upload the SP
          certificate (download below) as the <strong>Signature Certificate</strong>. Okta's metadata then names its logout URL; otherwise enter its{' '}
          <strong>Single Logout URL</strong> in step 3.
        </>,
        <>
          Finish, assign the app to people or groups, then on the <strong>Sign On</strong> tab copy the <strong>Metadata URL</strong> into step 3.
        </>,
      ],
    },
    {
      id: 'entra',
      name: 'Microsoft Entra ID',
      attributeTerm: 'Attributes & Claims → Add new claim (leave Namespace empty)',
      attributes: [
        { name: 'email', value: 'Source attribute user.mail (the default …/claims/emailaddress claim also works)' },
        { name: 'first_name', value: 'user.givenname (or keep …/claims/givenname)' },
        { name: 'last_name', value: 'user.surname (or keep …/claims/surname)' },
        { name: 'roles', value: 'Add a group claim → Groups assigned to the application; Customize the name to roles (values are group object IDs)' },
        { name: ws, value: 'Source Attribute with a constant such as "editor", or Claim conditions per group' },
      ],
      steps: [
        <>
          In the Entra admin center, open <strong>Enterprise applications → New application → Create your own application</strong> ("Integrate any other
          application you don't find in the gallery").
        </>,
        <>
          Open <strong>Single sign-on → SAML</strong>, then <strong>Basic SAML Configuration → Edit</strong>.
        </>,
        <>
          <strong>Identifier (Entity ID)</strong>: <V value={sp.entityId} />.
        </>,
        <>
          <strong>Reply URL (Assertion Consumer Service URL)</strong>: <V value={sp.acsUrl} />.
        </>,
        <>
          Optional, single logout: <strong>Logout Url</strong>: <V value={sp.sloUrl} />. Entra's federation metadata names its own <strong>Logout URL</strong>,
          so step 3 reads it from there.
        </>,
        <>
          <strong>Sign on URL</strong> (optional, for the My Apps tile): <V value={sp.loginUrl} />.
        </>,
        <>
          <strong>Attributes &amp; Claims</strong>: set <strong>Unique User Identifier (Name ID)</strong> to <code>user.mail</code> with format{' '}
          <strong>Email address</strong>. Entra's default claim names (…/claims/emailaddress, …/givenname, …/surname) are understood as they are. Optional:{' '}
          <strong>Add a group claim</strong> for roles (groups arrive as object IDs unless you choose otherwise).
        </>,
        <>
          Assign users or groups under <strong>Users and groups</strong>, then copy the <strong>App Federation Metadata Url</strong> from{' '}
          <strong>SAML Certificates</strong> into step 3 (or download <strong>Federation Metadata XML</strong>).
        </>,
      ],
    },
    {
      id: 'google',
      name: 'Google Workspace',
      attributeTerm: 'Attribute mapping (Google Directory attributes → App attributes)',
      attributes: [
        { name: 'email', value: 'Basic Information › Primary email' },
        { name: 'first_name', value: 'Basic Information › First name' },
        { name: 'last_name', value: 'Basic Information › Last name' },
        { name: 'roles', value: 'Group membership (choose the groups)' },
        { name: ws, value: 'a custom user attribute (Directory › Users › Manage custom attributes)' },
      ],
      steps: [
        <>
          In the Google Admin console, open <strong>Apps → Web and mobile apps → Add app → Add custom SAML app</strong>, and name it.
        </>,
        <>
          On <strong>Google Identity Provider details</strong>, <strong>Download metadata</strong> (Option 1) for step 3, then <strong>Continue</strong>.
        </>,
        <>
          <strong>ACS URL</strong>: <V value={sp.acsUrl} />.
        </>,
        <>Google Workspace has no SAML single logout: signing out of Gatehouse does not sign anyone out of Google, nor the reverse.</>,
        <>
          <strong>Entity ID</strong>: <V value={sp.entityId} />. Leave <strong>Signed response</strong> unchecked (the assertion is signed).
        </>,
        <>
          <strong>Name ID format</strong>: EMAIL; <strong>Name ID</strong>: Basic Information › Primary email.
        </>,
        <>
          <strong>Attribute mapping</strong>: Primary email → <code>email</code>, First name → <code>first_name</code>, Last name → <code>last_name</code>;
          optional <strong>Group membership</strong> → <code>roles</code>.
        </>,
        <>
          Turn the app <strong>ON for everyone</strong> (or for an organizational unit) under <strong>User access</strong>.
        </>,
      ],
    },
    {
      id: 'onelogin',
      name: 'OneLogin',
      attributeTerm: 'Parameters (Include in SAML assertion)',
      attributes: [
        { name: 'email', value: 'Email' },
        { name: 'first_name', value: 'First Name' },
        { name: 'last_name', value: 'Last Name' },
        { name: 'roles', value: 'User Roles (semicolon-delimited: set the role delimiter to ; in step 4)' },
        { name: ws, value: 'a custom user field, or a macro' },
      ],
      steps: [
        <>
          In OneLogin Administration, open <strong>Applications → Add App</strong> and choose <strong>SAML Custom Connector (Advanced)</strong>.
        </>,
        <>
          On <strong>Configuration</strong>: <strong>Audience (EntityID)</strong>: <V value={sp.entityId} />.
        </>,
        <>
          <strong>Recipient</strong> and <strong>ACS (Consumer) URL</strong>: <V value={sp.acsUrl} />; <strong>ACS (Consumer) URL Validator</strong>:{' '}
          <V value={`^${sp.acsUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`} />.
        </>,
        <>
          <strong>SAML nameID format</strong>: Email; <strong>SAML signature element</strong>: Assertion; <strong>SAML initiator</strong>: Service Provider (or
          OneLogin for the portal tile).
        </>,
        <>
          On <strong>Parameters</strong>, add <code>email</code>, <code>first_name</code>, <code>last_name</code> (and optional <code>roles</code>), each with{' '}
          <strong>Include in SAML assertion</strong>.
        </>,
        <>
          On <strong>SSO</strong>, copy the <strong>Issuer URL</strong> (the metadata URL) into step 3.
        </>,
      ],
    },
    {
      id: 'other',
      name: 'Any other SAML 2.0 IdP',
      attributeTerm: 'Attributes (Basic name format)',
      attributes: [
        { name: 'email', value: "the user's email" },
        { name: 'first_name', value: 'given name' },
        { name: 'last_name', value: 'family name' },
        { name: 'roles', value: 'groups or roles, multi-valued (or one value with a delimiter)' },
        { name: ws, value: 'a role name, {"role":"editor"}, or noaccess' },
      ],
      steps: [
        <>
          If the IdP imports SP metadata, give it <V value={sp.metadataUrl} /> (or the downloaded file) and skip to the attributes.
        </>,
        <>
          Otherwise: ACS / Reply / Single sign-on URL, HTTP-POST binding: <V value={sp.acsUrl} />.
        </>,
        <>
          SP entity ID / Audience / Identifier: <V value={sp.entityId} />.
        </>,
        <>
          NameID format <V value={EMAIL_FORMAT} />, valued with the user's email.
        </>,
        <>
          Attributes (Basic name format): <code>email</code>, <code>first_name</code>, <code>last_name</code>, optional <code>roles</code>.
        </>,
        <>Sign the assertion (or the response) with RSA-SHA256. To encrypt assertions, use the SP certificate with RSA-OAEP and AES-GCM or AES-CBC.</>,
        <>
          Single logout, if the IdP does it: SP Single Logout URL <V value={sp.sloUrl} /> (HTTP-Redirect or HTTP-POST; Gatehouse signs its logout messages with
          the SP certificate and wants the IdP's signed).
        </>,
        <>Bring the IdP's metadata (or its SSO URL, entity ID, signing certificate and single logout URL) to step 3.</>,
      ],
    },
  ]
}
