// Text that generated pages put into Markdown tables. VitePress compiles every page into a Vue template, so
// besides the table's own `|`, text must not contain a bare `<` (an HTML tag to Vue) or `{{` (an interpolation).

/** Plain text for a table cell: `|` escaped, newlines joined, `<` and `{` as entities. */
export function tableCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ').replace(/</g, '&lt;').replace(/\{/g, '&#123;');
}

/** Text for a code span inside a table cell: only `|` needs escaping there. */
export function tableCode(s: string): string {
  return `\`${s.replace(/\|/g, '\\|')}\``;
}
