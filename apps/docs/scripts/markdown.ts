// Text that generated pages put into Markdown tables. VitePress compiles every page into a Vue template, so
// besides the table's own `|`, text must not contain a bare `<` (an HTML tag to Vue) or `{{` (an interpolation).

/** Inline HTML that READMEs use and a Vue template compiles as written (`<dir>` is an element too: not listed). */
const KEPT_TAGS = /<(?!\/?(?:a|br|sup|sub|img|details|summary|b|i|em|strong|code|kbd|small|span|div|p|hr)\b)/g;

/**
 * Markdown text made safe for a Vue template: outside code spans, `{` and every `<` that does not open a common
 * inline HTML tag become entities (inside code spans Markdown already shows `<` as text, and an entity would show
 * literally).
 */
export function escapeForVue(s: string): string {
  return s
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(KEPT_TAGS, '&lt;').replace(/\{/g, '&#123;')))
    .join('');
}

/** Plain text for a table cell: {@link escapeForVue}, newlines joined, `|` escaped. */
export function tableCell(s: string): string {
  return escapeForVue(s.replace(/\n/g, ' ')).replace(/\|/g, '\\|');
}

/** Text for a code span inside a table cell: only `|` needs escaping there. */
export function tableCode(s: string): string {
  return `\`${s.replace(/\|/g, '\\|')}\``;
}
