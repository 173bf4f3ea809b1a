/**
 * Labelled form fields with their error shown beside them. Every field's id is `f-<name>`, its hint
 * `f-<name>-hint` and its error `f-<name>-error`; `disabled` makes a field read-only (an admin's view).
 */
import type { FC, PropsWithChildren } from 'hono/jsx'
import { Breakable } from './breakable.js'

export type FieldErrors = Readonly<Record<string, string>>

/** The hint and the error a field is described by, or undefined for neither. */
function describedBy(id: string, hint: string | undefined, error: string | undefined): string | undefined {
  const ids = [hint !== undefined ? `${id}-hint` : '', error !== undefined ? `${id}-error` : ''].filter(Boolean).join(' ')
  return ids === '' ? undefined : ids
}

const Hint: FC<{ id: string; hint: string | undefined }> = ({ id, hint }) =>
  hint === undefined ? null : (
    <p class="hint" id={`${id}-hint`}>
      {hint}
    </p>
  )

/** A field's frame: label, hint, the control (children), then its error. */
const Labelled: FC<PropsWithChildren<{ id: string; label: string; hint: string | undefined; error: string | undefined }>> = ({
  id,
  label,
  hint,
  error,
  children,
}) => (
  <div class={error !== undefined ? 'field has-error' : 'field'}>
    <label for={id}>{label}</label>
    <Hint id={id} hint={hint} />
    {children}
    {error !== undefined && (
      <p class="error" id={`${id}-error`}>
        {error}
      </p>
    )}
  </div>
)

export interface FieldProps {
  readonly name: string
  readonly label: string
  readonly type?: string
  readonly value?: string | undefined
  readonly errors?: FieldErrors | undefined
  readonly autocomplete?: string
  readonly required?: boolean
  readonly hint?: string | undefined
  readonly autofocus?: boolean
  readonly disabled?: boolean
  readonly min?: number
  readonly max?: number
  /** The id of a field this one's value is suggested from as it is typed (static/suggest.js). */
  readonly suggestFrom?: string
}

export const Field: FC<FieldProps> = ({
  name,
  label,
  type = 'text',
  value,
  errors,
  autocomplete,
  required = true,
  hint,
  autofocus,
  disabled,
  min,
  max,
  suggestFrom,
}) => {
  const error = errors?.[name]
  const id = `f-${name}`
  return (
    <Labelled id={id} label={label} hint={hint} error={error}>
      <input
        id={id}
        name={name}
        type={type}
        value={type === 'password' ? undefined : value}
        autocomplete={autocomplete}
        required={required}
        autofocus={autofocus}
        disabled={disabled}
        min={min}
        max={max}
        data-suggest-from={suggestFrom}
        aria-invalid={error !== undefined ? 'true' : undefined}
        aria-describedby={describedBy(id, hint, error)}
      />
    </Labelled>
  )
}

export interface TextAreaProps {
  readonly name: string
  readonly label: string
  readonly value: string
  readonly errors?: FieldErrors | undefined
  readonly hint?: string | undefined
  readonly rows?: number
  readonly disabled?: boolean
}

/** A multi-line field for lists and pasted documents (no spell-checking). */
export const TextArea: FC<TextAreaProps> = ({ name, label, value, errors, hint, rows = 3, disabled }) => {
  const error = errors?.[name]
  const id = `f-${name}`
  return (
    <Labelled id={id} label={label} hint={hint} error={error}>
      <textarea
        id={id}
        name={name}
        rows={rows}
        disabled={disabled}
        spellcheck={false}
        aria-invalid={error !== undefined ? 'true' : undefined}
        aria-describedby={describedBy(id, hint, error)}
      >
        {value}
      </textarea>
    </Labelled>
  )
}

/** A labelled drop-down; the options are its children. */
export const Select: FC<PropsWithChildren<{ name: string; label: string; disabled?: boolean }>> = ({ name, label, disabled, children }) => (
  <Labelled id={`f-${name}`} label={label} hint={undefined} error={undefined}>
    <select id={`f-${name}`} name={name} disabled={disabled}>
      {children}
    </select>
  </Labelled>
)

/** One choice of a radio group, with its hint; its id is `f-<name>-<value>`. */
export const Radio: FC<{ name: string; value: string; checked: boolean; label: string; hint: string; disabled?: boolean }> = (r) => {
  const id = `f-${r.name}-${r.value}`
  return (
    <div class="choice">
      <input type="radio" id={id} name={r.name} value={r.value} checked={r.checked} disabled={r.disabled} aria-describedby={`${id}-hint`} />
      <label for={id}>{r.label}</label>
      <p class="hint" id={`${id}-hint`}>
        {r.hint}
      </p>
    </div>
  )
}

export const Checkbox: FC<{ name: string; checked: boolean; label: string; hint?: string | undefined; disabled?: boolean }> = (c) => {
  const id = `f-${c.name}`
  return (
    <div class="choice">
      <input
        type="checkbox"
        id={id}
        name={c.name}
        checked={c.checked}
        disabled={c.disabled}
        aria-describedby={c.hint === undefined ? undefined : `${id}-hint`}
      />
      <label for={id}>{c.label}</label>
      <Hint id={id} hint={c.hint} />
    </div>
  )
}

/** The error of a group of fields (a fieldset), announced: `f-<name>-error`. */
export const GroupError: FC<{ errors: FieldErrors | undefined; name: string }> = ({ errors, name }) =>
  errors?.[name] === undefined ? null : (
    <p class="error" id={`f-${name}-error`} role="alert">
      {errors[name]}
    </p>
  )

export const Csrf: FC<{ token: string }> = ({ token }) => <input type="hidden" name="_csrf" value={token} />

export const FormError: FC<{ message?: string | undefined }> = ({ message }) =>
  message === undefined ? null : (
    <p class="alert" role="alert">
      {message}
    </p>
  )

/**
 * A value with a Copy button, inside a `<dl>` (progressive: the button works with
 * /static/sso-setup.js on the page; without JavaScript the value stays selectable). `breakable`:
 * a URL wraps only after its separators (ui/breakable.tsx), never mid-word.
 */
export const Copyable: FC<{ label: string; value: string; id: string; breakable?: boolean }> = ({ label, value, id, breakable }) => (
  <div class="copyable">
    <dt id={`${id}-label`}>{label}</dt>
    <dd>
      <code id={id}>{breakable === true ? <Breakable text={value} /> : value}</code>
      <button type="button" class="copy" data-copy-target={id} aria-describedby={`${id}-label`}>
        Copy
      </button>
    </dd>
  </div>
)
