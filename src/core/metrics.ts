/**
 * What core and the jobs count, without knowing Prometheus (http/metrics.ts is the adapter). Labels
 * are bounded: a method, an outcome and a failure code from the typed error unions, never an email,
 * an SSO name or a URL.
 */
export type SignInMethod = 'password' | 'api_password' | 'saml'
export type PeriodicJob = 'expiry_sweep' | 'metadata_refresh' | 'certificate_check' | 'job_queue'

export interface Metrics {
  /** `failureCode`: the AuthError, SsoError or SAML failure code of a refused sign-in. */
  signIn(method: SignInMethod, outcome: 'success' | 'failure', failureCode?: string): void
  /** Seconds spent validating one SAML response (signature, conditions, decryption). */
  samlValidation(seconds: number): void
  /** One run of a periodic job: its duration and its backlog (rows or items it found to do). */
  periodicJob(job: PeriodicJob, seconds: number, backlog: number): void
}

export const noMetrics: Metrics = {
  signIn: () => {},
  samlValidation: () => {},
  periodicJob: () => {},
}

/** Seconds since `started` (a performance.now() reading). */
export function secondsSince(started: number): number {
  return (performance.now() - started) / 1000
}
