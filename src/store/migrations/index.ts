/** Every migration, in order. A static list works the same from src/ (tests) and dist/ (start). */
import type { Migration } from 'kysely'
import * as createAccounts from './2026_11_23_1800_create_accounts.js'
import * as createSso from './2026_11_23_1900_create_sso.js'
import * as managedByIdp from './2026_11_23_2000_member_managed_by_idp.js'
import * as createApiTokens from './2026_12_01_1000_create_api_tokens.js'
import * as emailDomains from './2026_12_01_1100_create_email_domains.js'
import * as createSsoTests from './2026_12_01_1200_create_sso_tests.js'
import * as createDevIdpKeys from './2026_12_01_1300_create_dev_idp_keys.js'
import * as failedResponses from './2026_12_01_1400_create_sso_failed_responses.js'
import * as createOidc from './2026_12_01_1500_create_oidc.js'
import * as createJobs from './2026_12_06_1000_create_jobs.js'
import * as oidcRevocation from './2026_12_06_1100_oidc_revocation.js'
import * as opsReady from './2026_12_06_1200_ops_ready.js'
import * as createDirectories from './2026_12_06_1300_create_directories.js'
import * as scimGroupNameUnique from './2026_12_06_1350_scim_group_name_unique.js'
import * as createWebhooks from './2026_12_06_1400_create_webhooks.js'
import * as singleLogout from './2026_12_06_1420_single_logout.js'
import * as certificateLifecycle from './2026_12_06_1430_certificate_lifecycle.js'
import * as eventOrder from './2026_12_06_1410_event_order.js'
import * as backchannelLogout from './2026_12_06_1500_backchannel_logout.js'
import * as setupLinks from './2026_12_06_1521_setup_links.js'

export const migrations: Record<string, Migration> = {
  '2026_11_23_1800_create_accounts': createAccounts,
  '2026_11_23_1900_create_sso': createSso,
  '2026_11_23_2000_member_managed_by_idp': managedByIdp,
  '2026_12_01_1000_create_api_tokens': createApiTokens,
  '2026_12_01_1100_create_email_domains': emailDomains,
  '2026_12_01_1200_create_sso_tests': createSsoTests,
  '2026_12_01_1300_create_dev_idp_keys': createDevIdpKeys,
  '2026_12_01_1400_create_sso_failed_responses': failedResponses,
  '2026_12_01_1500_create_oidc': createOidc,
  '2026_12_06_1000_create_jobs': createJobs,
  '2026_12_06_1100_oidc_revocation': oidcRevocation,
  '2026_12_06_1200_ops_ready': opsReady,
  '2026_12_06_1300_create_directories': createDirectories,
  '2026_12_06_1350_scim_group_name_unique': scimGroupNameUnique,
  '2026_12_06_1400_create_webhooks': createWebhooks,
  '2026_12_06_1420_single_logout': singleLogout,
  '2026_12_06_1430_certificate_lifecycle': certificateLifecycle,
  '2026_12_06_1410_event_order': eventOrder,
  '2026_12_06_1500_backchannel_logout': backchannelLogout,
  '2026_12_06_1521_setup_links': setupLinks,
}
