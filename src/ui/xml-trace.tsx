/**
 * The SAML tracer's view of a response: indented, coloured by token kind (classes, no inline
 * style), with the lines of the failed check marked (and announced to screen readers).
 */
import type { FC } from 'hono/jsx'
import type { XmlLine } from '../saml/pretty-xml.js'

export interface XmlTraceProps {
  /** The parsed lines, or the raw text when it did not parse. */
  readonly lines: readonly XmlLine[] | string
  /** Lines of these elements (opening tags) are marked as where the check failed. */
  readonly mark?: readonly string[]
  /** When given, only lines with an attribute value equal to it are marked (e.g. one Attribute's Name). */
  readonly markValue?: string | undefined
  readonly label: string
}

export const XmlTrace: FC<XmlTraceProps> = ({ lines, mark = [], markValue, label }) => {
  if (typeof lines === 'string')
    return (
      <pre class="xml" tabindex={0} aria-label={label}>
        {lines}
      </pre>
    )
  const marked = (line: XmlLine) =>
    line.element !== undefined &&
    mark.includes(line.element) &&
    line.tokens[0]?.text === '<' &&
    (markValue === undefined || line.tokens.some((t) => t.kind === 'value' && t.text === markValue))
  return (
    <pre class="xml" tabindex={0} aria-label={label}>
      {lines.map((line) => (
        <span class={marked(line) ? 'line failed' : 'line'}>
          {'  '.repeat(line.depth)}
          {line.tokens.map((t) => (t.kind === 'punct' ? t.text : <span class={`x-${t.kind}`}>{t.text}</span>))}
          {marked(line) && <span class="failed-note"> ◀ failed check</span>}
          {'\n'}
        </span>
      ))}
    </pre>
  )
}
