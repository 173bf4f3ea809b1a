/** The tables of periodic tasks and certificate notices (issue 19 item 5); see schema.ts. */
/** One periodic task's schedule and lease (store/scheduled-run-repository.ts). */
export interface ScheduledRunTable {
  name: string
  next_run_at: string
  lease_token: string | null
  lease_until: string | null
  last_started_at: string | null
  last_finished_at: string | null
  last_error: string | null
}

/** What an org's owners were told about an IdP certificate, once each (core/certificate-expiry.ts). */
export interface CertificateNoticeTable {
  connection_id: string
  fingerprint: string
  notice: string
  created_at: string
}
