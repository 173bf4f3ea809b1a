export interface HostAppUser {
  readonly memberId: string
  readonly userId: string
  readonly email: string
  readonly name: string
  readonly role: string
  readonly orgId: string
  readonly orgSlug: string
  readonly gone: boolean
}

export interface GatehouseEvent {
  readonly id: string
  readonly type: string
  readonly org?: { readonly id: string; readonly slug: string } | null
  readonly data?: { readonly member?: Record<string, unknown> }
}

export function verifyGatehouseSignature(secret: string, header: string, rawBody: string, nowMs?: number): boolean

export interface UserTable {
  /** Applies one event; false when its id was seen already. */
  apply(event: GatehouseEvent): boolean
  /** Reads GET /api/v1/events after the saved cursor; the number of events applied. */
  reconcile(options: { apiUrl: string; token: string; fetchImpl?: (url: URL, init: { headers: Record<string, string> }) => Promise<Response> }): Promise<number>
  activeIn(orgSlug: string): HostAppUser[]
  find(userId: string, orgSlug: string): HostAppUser | undefined
}

export function createUserTable(options?: { stateFile?: string; onGone?: (user: HostAppUser) => void }): UserTable
