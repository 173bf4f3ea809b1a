/**
 * oidc-provider's storage contract over the database (one table for every model, see
 * store/oidc-repository.ts), so grants, codes, sessions, interactions and tokens survive restarts and
 * are shared by every process. Clients come from the operator's registrations instead.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider'
import { findOidcClientMetadata } from '../../core/oidc-clients.js'
import type { CoreDeps } from '../../core/deps.js'
import type { OidcPayloadStore } from '../../core/ports.js'

const iso = (ms: number) => new Date(ms).toISOString()

class PayloadAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: OidcPayloadStore,
    private readonly now: () => number,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    await this.store.upsert({
      model: this.model,
      id,
      payload,
      grantId: payload.grantId,
      uid: payload.uid,
      userCode: payload.userCode,
      expiresAt: typeof expiresIn === 'number' && expiresIn > 0 ? iso(this.now() + expiresIn * 1000) : undefined,
    })
  }

  private out(row: { payload: Record<string, unknown>; consumedAt: string | undefined } | undefined): AdapterPayload | undefined {
    if (row === undefined) return undefined
    // oidc-provider reads `consumed` (epoch seconds) to refuse a second use of a code or refresh token.
    return row.consumedAt === undefined ? row.payload : { ...row.payload, consumed: Math.floor(Date.parse(row.consumedAt) / 1000) }
  }

  async find(id: string) {
    return this.out(await this.store.find(this.model, id, iso(this.now())))
  }

  async findByUid(uid: string) {
    return this.out(await this.store.findByUid(this.model, uid, iso(this.now())))
  }

  async findByUserCode(userCode: string) {
    return this.out(await this.store.findByUserCode(this.model, userCode, iso(this.now())))
  }

  async consume(id: string): Promise<void> {
    await this.store.consume(this.model, id, iso(this.now()))
  }

  async destroy(id: string): Promise<void> {
    await this.store.destroy(this.model, id)
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.store.revokeByGrantId(grantId)
  }
}

/** Read-only: clients are registered by the operator (core/oidc-clients.ts), never by the provider. */
class ClientAdapter implements Adapter {
  constructor(private readonly deps: CoreDeps) {}
  async find(id: string) {
    return await findOidcClientMetadata(this.deps, id)
  }
  async upsert(): Promise<void> {
    throw new Error('OIDC clients are registered by the operator')
  }
  async findByUid() {
    return undefined
  }
  async findByUserCode() {
    return undefined
  }
  async consume(): Promise<void> {}
  async destroy(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}

/** The adapter factory for oidc-provider's `adapter` setting. `now` is the provider's own clock. */
export function databaseAdapter(deps: CoreDeps, now: () => number): (model: string) => Adapter {
  return (model) => (model === 'Client' ? new ClientAdapter(deps) : new PayloadAdapter(model, deps.store.oidcPayloads, now))
}
