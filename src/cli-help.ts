/** The CLI's help texts (`gatehouse <command> --help`), one per command; `main` is the overview. */
import { KEY_REFRESH_MS } from './core/key-refresh.js'

export const HELP: Record<string, string> = {
  main: `Usage: gatehouse <command> [options]

Commands:
  start          Migrate the database and serve Gatehouse (default port 4000)
  migrate        Apply pending database migrations and exit
  create-owner   Make a user the owner of an organization (creating either if missing)
  keys           List, rotate, activate or retire the SAML service-provider and OpenID Connect signing keys
  oidc-client    Register, change, list or remove the host apps that sign users in over OpenID Connect
  sso            Disable an organization's SSO (the way back in when an IdP is broken)
  backup         Copy a live SQLite database to a file (PostgreSQL: use pg_dump)

Run "gatehouse <command> --help" for a command's options.
Configuration comes from the environment: see docs/configuration.md.`,
  start: `Usage: gatehouse start

Applies pending migrations, then listens on GATEHOUSE_PORT (default 4000) at GATEHOUSE_BASE_URL.
While no organization exists it prints a one-time link to create the first one and its owner.`,
  migrate: `Usage: gatehouse migrate

Applies every pending migration to GATEHOUSE_DATABASE_URL (default sqlite:./data/gatehouse.db) and exits.`,
  'create-owner': `Usage: gatehouse create-owner --org SLUG --email EMAIL [--name "Org name"]

Makes EMAIL an owner of the organization SLUG. Creates the organization (named --name, or SLUG)
and the user when they do not exist. A user without a password gets a one-time link to set one.`,
  keys: `Usage: gatehouse keys list
       gatehouse keys rotate [--activate]
       gatehouse keys activate --id KEY_ID
       gatehouse keys retire --id KEY_ID
       gatehouse keys rotate --oidc
       gatehouse keys retire --oidc --id KEY_ID

SAML service-provider keys rotate in stages, so that IdPs that pin the SP certificate are never sent
a request signed by a key they have not seen:
  rotate     adds the next key pair. Every SP metadata document publishes it at once, and it decrypts
             assertions at once, but AuthnRequests stay signed by the current key until the
             publication period has passed (GATEHOUSE_SP_KEY_PUBLICATION_DAYS, default 7 days); then
             it signs, in every process at the same moment. One next key at a time.
  rotate --activate
             the new key signs at once (a compromised key): update IdPs that pin the SP certificate.
  activate   the next key signs from now on, before its publication period ends.
  retire     stops publishing a key and decrypting with it: a previous key once IdPs have the new
             certificate, or the next key to withdraw a rotation. The signing key cannot be retired.
The operator API does the same (GET|POST /api/v1/sp-keys, POST /api/v1/sp-keys/{id}/activate,
POST /api/v1/sp-keys/{id}/retire).

With --oidc: the OpenID Connect signing keys instead. rotate adds a new RS256 and a new ES256 key that
sign ID tokens from now on; older keys stay in the JWKS at {BASE_URL}/oidc/jwks, so tokens they
signed still verify, until retired. Wait at least the longest token lifetime (1 hour for ID and
access tokens) before retiring. The last key of an algorithm cannot be retired.

Every change takes effect in every running Gatehouse process within ${KEY_REFRESH_MS / 1000} seconds
(each re-reads the keys from the database at most that often); no restart is needed.`,
  'oidc-client': `Usage: gatehouse oidc-client add --name NAME --redirect-uri URI [--redirect-uri URI2 …]
                              [--post-logout-redirect-uri URI …] [--public]
                              [--backchannel-logout-uri URI [--no-backchannel-logout-session]]
       gatehouse oidc-client update --id CLIENT_ID [--name NAME] [--redirect-uri URI …]
                              [--post-logout-redirect-uri URI …]
                              [--backchannel-logout-uri URI | --no-backchannel-logout]
                              [--backchannel-logout-session | --no-backchannel-logout-session]
       gatehouse oidc-client list
       gatehouse oidc-client remove --id CLIENT_ID

add registers a host app and prints its client_id and, for a confidential client, its client secret
(shown once; the app authenticates with client_secret_basic). --public makes a client without a
secret that must use PKCE (S256): single-page and native apps. Redirect URIs must be https, or
http://localhost / http://127.0.0.1 outside production, without a fragment.
--backchannel-logout-uri is where Gatehouse POSTs OpenID Connect Back-Channel Logout tokens when a
member's session ends (sign-out, single logout, deactivation, removal, password reset); the tokens
carry sid unless --no-backchannel-logout-session. update replaces only what it is given (each
--redirect-uri list whole). See docs/oidc.md.`,
  backup: `Usage: gatehouse backup --to FILE

Copies the SQLite database (GATEHOUSE_DATABASE_URL) to FILE while Gatehouse keeps running, with
SQLite's online backup API, and checks the copy. FILE must not exist. To restore, stop Gatehouse
and point GATEHOUSE_DATABASE_URL at the copy (or put it in the database's place). On PostgreSQL
use pg_dump instead (docs/deploy.md).`,
  sso: `Usage: gatehouse sso disable --org SLUG

Disables SSO for the organization: members sign in with passwords again (those without one use
"forgot password"); the connection, members and roles stay, ready to re-enable.`,
}
