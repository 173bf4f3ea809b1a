/** What the certificate lifecycle needs from storage (store/certificate-notice-repository.ts implements it). */
/** What an org's owners were told about one IdP certificate: an expiry threshold (`30d`, `7d`, `1d`), `expired`, `published`. */
export interface CertificateNotice {
  readonly connectionId: string
  readonly fingerprint: string
  readonly notice: string
  readonly createdAt: string
}

export interface CertificateNoticeStore {
  /** Records the notice unless it was recorded already: true only for the first (the primary key decides). */
  insertIfNew(notice: CertificateNotice): Promise<boolean>
  listByConnection(connectionId: string): Promise<CertificateNotice[]>
}
