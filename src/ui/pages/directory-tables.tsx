/** The Directory page's two tables: live tokens (with Revoke for the owner) and the IdP's last requests, each refusal explained. */
import type { FC } from 'hono/jsx'
import { Breakable } from '../breakable.js'
import { Csrf } from '../form.js'

export interface DirectoryTokenRow {
  readonly id: string
  readonly prefix: string
  readonly createdAt: string
  readonly lastUsedAt: string | null
}

export interface DirectoryRequestRow {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly createdAt: string
  /** Plain words for a refused request (core/directory-request-hints.ts). */
  readonly explanation?: string | undefined
}

export const When: FC<{ iso: string | null; none: string }> = ({ iso, none }) =>
  iso === null ? <span class="muted">{none}</span> : <time datetime={iso}>{iso.replace('T', ' ').slice(0, 19)} UTC</time>

export const TokenTable: FC<{ tokens: readonly DirectoryTokenRow[]; base: string; csrf: string; canEdit: boolean }> = (p) => (
  <table class="stack">
    <thead>
      <tr>
        <th scope="col">Token</th>
        <th scope="col">Created</th>
        <th scope="col">Last used</th>
        {p.canEdit && (
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
    <tbody>
      {p.tokens.map((t) => (
        <tr>
          <td data-label="Token">
            <code>{t.prefix}…</code>
          </td>
          <td data-label="Created">
            <When iso={t.createdAt} none="" />
          </td>
          <td data-label="Last used">
            <When iso={t.lastUsedAt} none="never" />
          </td>
          {p.canEdit && (
            <td class="actions" data-label="">
              <form method="post" action={`${p.base}/tokens/${t.id}/revoke`} class="inline">
                <Csrf token={p.csrf} />
                <button type="submit" class="danger" aria-label={`Revoke the token ${t.prefix}…`}>
                  Revoke
                </button>
              </form>
            </td>
          )}
        </tr>
      ))}
    </tbody>
  </table>
)

export const RequestLog: FC<{ requests: readonly DirectoryRequestRow[] }> = ({ requests }) => (
  <div class="table-scroll">
    <table class="stack requests">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Request</th>
          <th scope="col">Status</th>
          <th scope="col">What it means</th>
        </tr>
      </thead>
      <tbody>
        {requests.map((r) => (
          <tr class={r.status >= 400 ? 'failed-row' : undefined}>
            <td data-label="When">
              <When iso={r.createdAt} none="" />
            </td>
            <td data-label="Request" class="request">
              <code>
                {r.method} <Breakable text={r.path} />
              </code>
            </td>
            <td data-label="Status">{r.status}</td>
            <td data-label="Meaning">{r.explanation ?? <span class="muted">OK</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </div>
)
