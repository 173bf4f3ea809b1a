/** The tables of directory sync (DESIGN §8) and the event stream (§9); see schema.ts. */
import type { Generated } from 'kysely'
/** An org's SCIM directory (DESIGN §8); `id` is the opaque part of its base URL. */
export interface DirectoryTable {
  id: string
  org_id: string
  enabled: number
  last_request_at: string | null
  created_at: string
  updated_at: string
}

export interface DirectoryTokenTable {
  id: string
  directory_id: string
  /** SHA-256 of the bearer secret. */
  token_hash: string
  /** The secret's first characters, to tell tokens apart. */
  prefix: string
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

/** The last requests an IdP made to a directory (bounded per directory), bodies with secrets removed. */
export interface DirectoryRequestTable {
  /** A UUIDv7: newest last. */
  id: string
  directory_id: string
  method: string
  path: string
  status: number
  error_detail: string | null
  body: string | null
  created_at: string
}

export interface ScimUserTable {
  id: string
  directory_id: string
  member_id: string
  external_id: string | null
  user_name: string
  /** Lower-cased userName: `userName eq` is case-insensitive (RFC 7643 caseExact false). */
  user_name_folded: string
  active: number
  /** JSON: the whole SCIM resource as last written (minus meta and id). */
  attributes: string
  created_at: string
  updated_at: string
}

export interface ScimGroupTable {
  id: string
  directory_id: string
  external_id: string | null
  display_name: string
  display_name_folded: string
  /** JSON: the group's attributes other than members. */
  attributes: string
  created_at: string
  updated_at: string
}

export interface ScimGroupMemberTable {
  group_id: string
  scim_user_id: string
}

/** The deployment's event stream (DESIGN §9): written in the transaction of the change. */
export interface EventTable {
  /** A UUIDv7: the order within one transaction. */
  id: string
  type: string
  org_id: string | null
  /** The org's slug when the event was written (filled by the insert). */
  org_slug: string | null
  /** JSON, never secrets. */
  data: string
  created_at: string
  /**
   * The stream's order before `id` (migration 2026_12_06_1410_event_order): PostgreSQL's transaction
   * id (a column default), SQLite's commit order (a trigger). A bigint: a string from PostgreSQL.
   */
  tx_seq: Generated<string | number>
}

/** A user the org's directory removed: JIT provisioning refuses them until the directory adds them again. */
export interface DirectoryRemovalTable {
  org_id: string
  user_id: string
  removed_at: string
}
