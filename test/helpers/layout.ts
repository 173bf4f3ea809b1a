/// <reference lib="dom" />
/**
 * Layout facts measured in the browser, for assertions that fail on what a person sees go wrong
 * (issue 17 item 3): the lines an element's text is broken into, and where elements sit.
 */
import type { Page } from 'playwright-core'

/** The rendered lines of each element matching `selector` (text per line, top to bottom). */
export async function renderedLines(page: Page, selector: string): Promise<string[][]> {
  return page.$$eval(selector, (elements) =>
    elements.map((element) => {
      const lines: { top: number; text: string }[] = []
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT)
      for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
        const text = node.textContent ?? ''
        for (let i = 0; i < text.length; i++) {
          const range = document.createRange()
          range.setStart(node, i)
          range.setEnd(node, i + 1)
          const rect = range.getClientRects()[0]
          if (rect === undefined) continue
          const line = lines.find((l) => Math.abs(l.top - rect.top) < rect.height / 2)
          if (line === undefined) lines.push({ top: rect.top, text: text[i]! })
          else line.text += text[i]
        }
      }
      return lines
        .sort((a, b) => a.top - b.top)
        .map((l) => l.text)
        .filter((t) => t.trim() !== '')
    }),
  )
}

/** True when text broken into `lines` breaks only at a space, after a separator or before "@" (never mid-word). */
export function breaksAtSeparators(lines: readonly string[]): boolean {
  return lines.every((line, i) => i === lines.length - 1 || /[\s/.:\-_=&?,]$/.test(line) || /^[\s@]/.test(lines[i + 1]!))
}

export async function box(page: Page, selector: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await page.locator(selector).first().boundingBox()
  if (b === null) throw new Error(`${selector} is not rendered`)
  return b
}

export async function pageHeight(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollHeight)
}
