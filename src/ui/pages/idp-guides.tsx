/**
 * Step 2 of the SSO set-up (DESIGN §2): how to create the app in each IdP, naming that IdP's own
 * field labels next to the value to paste.
 */
import type { FC } from 'hono/jsx'
import type { IdpGuide, SpDetails } from './sso-pages.js'

const V: FC<{ value: string }> = ({ value }) => <code class="paste">{value}</code>

const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'

export function idpGuides(sp: SpDetails): IdpGuide[] {
  return [
    {
      id: 'okta', name: 'Okta',
      steps: [
        <>In the Okta Admin Console, open <strong>Applications → Applications → Create App Integration</strong>, choose <strong>SAML 2.0</strong>, and name the app.</>,
        <><strong>Single sign-on URL</strong>: <V value={sp.acsUrl} />; keep <strong>Use this for Recipient URL and Destination URL</strong> checked.</>,
        <><strong>Audience URI (SP Entity ID)</strong>: <V value={sp.entityId} />.</>,
        <><strong>Name ID format</strong>: EmailAddress; <strong>Application username</strong>: Email.</>,
        <><strong>Attribute Statements</strong> (Name format Basic): <code>email</code> = <code>user.email</code>, <code>first_name</code> = <code>user.firstName</code>, <code>last_name</code> = <code>user.lastName</code>. Optional <strong>Group Attribute Statements</strong>: <code>roles</code>, with a filter for the groups that carry roles.</>,
        <>Under <strong>Show Advanced Settings</strong>, to encrypt assertions: <strong>Assertion Encryption</strong> Encrypted, and upload the SP certificate (download below).</>,
        <>Finish, assign the app to people or groups, then on the <strong>Sign On</strong> tab copy the <strong>Metadata URL</strong> into step 3.</>,
      ],
    },
    {
      id: 'entra', name: 'Microsoft Entra ID',
      steps: [
        <>In the Entra admin center, open <strong>Enterprise applications → New application → Create your own application</strong> ("Integrate any other application you don't find in the gallery").</>,
        <>Open <strong>Single sign-on → SAML</strong>, then <strong>Basic SAML Configuration → Edit</strong>.</>,
        <><strong>Identifier (Entity ID)</strong>: <V value={sp.entityId} />.</>,
        <><strong>Reply URL (Assertion Consumer Service URL)</strong>: <V value={sp.acsUrl} />.</>,
        <><strong>Sign on URL</strong> (optional, for the My Apps tile): <V value={sp.loginUrl} />.</>,
        <><strong>Attributes &amp; Claims</strong>: set <strong>Unique User Identifier (Name ID)</strong> to <code>user.mail</code> with format <strong>Email address</strong>. Entra's default claim names (…/claims/emailaddress, …/givenname, …/surname) are understood as they are. Optional: <strong>Add a group claim</strong> for roles (groups arrive as object IDs unless you choose otherwise).</>,
        <>Assign users or groups under <strong>Users and groups</strong>, then copy the <strong>App Federation Metadata Url</strong> from <strong>SAML Certificates</strong> into step 3 (or download <strong>Federation Metadata XML</strong>).</>,
      ],
    },
    {
      id: 'google', name: 'Google Workspace',
      steps: [
        <>In the Google Admin console, open <strong>Apps → Web and mobile apps → Add app → Add custom SAML app</strong>, and name it.</>,
        <>On <strong>Google Identity Provider details</strong>, <strong>Download metadata</strong> (Option 1) for step 3, then <strong>Continue</strong>.</>,
        <><strong>ACS URL</strong>: <V value={sp.acsUrl} />.</>,
        <><strong>Entity ID</strong>: <V value={sp.entityId} />. Leave <strong>Signed response</strong> unchecked (the assertion is signed).</>,
        <><strong>Name ID format</strong>: EMAIL; <strong>Name ID</strong>: Basic Information › Primary email.</>,
        <><strong>Attribute mapping</strong>: Primary email → <code>email</code>, First name → <code>first_name</code>, Last name → <code>last_name</code>; optional <strong>Group membership</strong> → <code>roles</code>.</>,
        <>Turn the app <strong>ON for everyone</strong> (or for an organizational unit) under <strong>User access</strong>.</>,
      ],
    },
    {
      id: 'onelogin', name: 'OneLogin',
      steps: [
        <>In OneLogin Administration, open <strong>Applications → Add App</strong> and choose <strong>SAML Custom Connector (Advanced)</strong>.</>,
        <>On <strong>Configuration</strong>: <strong>Audience (EntityID)</strong>: <V value={sp.entityId} />.</>,
        <><strong>Recipient</strong> and <strong>ACS (Consumer) URL</strong>: <V value={sp.acsUrl} />; <strong>ACS (Consumer) URL Validator</strong>: <V value={`^${sp.acsUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`} />.</>,
        <><strong>SAML nameID format</strong>: Email; <strong>SAML signature element</strong>: Assertion; <strong>SAML initiator</strong>: Service Provider (or OneLogin for the portal tile).</>,
        <>On <strong>Parameters</strong>, add <code>email</code>, <code>first_name</code>, <code>last_name</code> (and optional <code>roles</code>), each with <strong>Include in SAML assertion</strong>.</>,
        <>On <strong>SSO</strong>, copy the <strong>Issuer URL</strong> (the metadata URL) into step 3.</>,
      ],
    },
    {
      id: 'other', name: 'Any other SAML 2.0 IdP',
      steps: [
        <>If the IdP imports SP metadata, give it <V value={sp.metadataUrl} /> (or the downloaded file) and skip to the attributes.</>,
        <>Otherwise: ACS / Reply / Single sign-on URL, HTTP-POST binding: <V value={sp.acsUrl} />.</>,
        <>SP entity ID / Audience / Identifier: <V value={sp.entityId} />.</>,
        <>NameID format <V value={EMAIL_FORMAT} />, valued with the user's email.</>,
        <>Attributes (Basic name format): <code>email</code>, <code>first_name</code>, <code>last_name</code>, optional <code>roles</code>.</>,
        <>Sign the assertion (or the response) with RSA-SHA256. To encrypt assertions, use the SP certificate with RSA-OAEP and AES-GCM or AES-CBC.</>,
        <>Bring the IdP's metadata (or its SSO URL, entity ID and signing certificate) to step 3.</>,
      ],
    },
  ]
}
