/** Labelled form fields with their error shown beside them. */
import type { FC } from 'hono/jsx'

export type FieldErrors = Readonly<Record<string, string>>

export interface FieldProps {
  readonly name: string
  readonly label: string
  readonly type?: string
  readonly value?: string | undefined
  readonly errors?: FieldErrors | undefined
  readonly autocomplete?: string
  readonly required?: boolean
  readonly hint?: string
  readonly autofocus?: boolean
}

export const Field: FC<FieldProps> = ({ name, label, type = 'text', value, errors, autocomplete, required = true, hint, autofocus }) => {
  const error = errors?.[name]
  const id = `f-${name}`
  const describedBy = [hint !== undefined ? `${id}-hint` : '', error !== undefined ? `${id}-error` : ''].filter(Boolean).join(' ')
  return (
    <div class={error !== undefined ? 'field has-error' : 'field'}>
      <label for={id}>{label}</label>
      {hint !== undefined && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      <input
        id={id}
        name={name}
        type={type}
        value={type === 'password' ? undefined : value}
        autocomplete={autocomplete}
        required={required}
        autofocus={autofocus}
        aria-invalid={error !== undefined ? 'true' : undefined}
        aria-describedby={describedBy === '' ? undefined : describedBy}
      />
      {error !== undefined && <p class="error" id={`${id}-error`}>{error}</p>}
    </div>
  )
}

export const Csrf: FC<{ token: string }> = ({ token }) => <input type="hidden" name="_csrf" value={token} />

export const FormError: FC<{ message?: string | undefined }> = ({ message }) =>
  message === undefined ? null : <p class="alert" role="alert">{message}</p>

/**
 * A value with a Copy button, inside a `<dl>` (progressive: the button works with
 * /static/sso-setup.js on the page; without JavaScript the value stays selectable).
 */
export const Copyable: FC<{ label: string; value: string; id: string }> = ({ label, value, id }) => (
  <div class="copyable">
    <dt id={`${id}-label`}>{label}</dt>
    <dd>
      <code id={id}>{value}</code>
      <button type="button" class="copy" data-copy-target={id} aria-describedby={`${id}-label`}>Copy</button>
    </dd>
  </div>
)
