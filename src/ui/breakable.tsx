/**
 * A long value (URL, URN, fingerprint, email) that may wrap only where a reader expects: after
 * `/ . : - _ = & ? ,` and before `@`. `<wbr>` adds no text, so copying the element copies the value.
 */
import type { Child, FC } from 'hono/jsx'

const SEPARATORS = /([/.:\-_=&?,]+|@)/

export const Breakable: FC<{ text: string }> = ({ text }) => {
  const parts: Child[] = []
  for (const piece of text.split(SEPARATORS)) {
    if (piece === '') continue
    if (piece === '@') parts.push(<wbr />, '@')
    else if (SEPARATORS.test(piece)) parts.push(piece, <wbr />)
    else parts.push(piece)
  }
  return <>{parts}</>
}
