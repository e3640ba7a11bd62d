/** Plain-text tables for the terminal: columns padded, numbers right-aligned. */

const NUMERIC = /^[-+]?[\d.,]+( ?[%x×])?$|^-$/;

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) =>
        NUMERIC.test(cell) && r !== header ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return all.map(line).join('\n');
}

/** A number for a table cell: `digits` decimals, '-' for null or NaN. */
export function num(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return value.toFixed(digits);
}
