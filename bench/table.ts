// Markdown tables for the bench output, ready to paste into README "Figures".

/** Lines of a Markdown table; columns named in `leftColumns` are left-aligned, the others right-aligned. */
export function markdownTable(header: string[], rows: string[][], leftColumns: number[]): string[] {
  const left = (i: number) => leftColumns.includes(i);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((l) => l[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  return [
    line(header),
    '|' + widths.map((w, i) => (left(i) ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|',
    ...rows.map(line),
  ];
}
