import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';

/** Lines of `rows` with every column but the last padded to its widest cell. */
export function columns(rows: readonly (readonly string[])[], indent = '', gap = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, [...cell].length)));
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
        .join(gap)
        .trimEnd(),
  );
}

/** `text` on one line (whitespace collapsed), cut to `max` characters with an ellipsis. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** `Title › Heading › Subheading`, or the title alone; a first heading equal to the title is not repeated. */
export function titlePath(title: string, headingPath: readonly string[]): string {
  const headings = headingPath[0] === title ? headingPath.slice(1) : headingPath;
  return [title || '(untitled)', ...headings].join(' › ');
}

/** `1.2 KiB`-style size. */
export function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit] ?? ''}`;
}

/** `s` with `word` pluralised by count: `1 document`, `2 documents`. */
export function count(n: number | bigint, word: string, plural = `${word}s`): string {
  return `${n} ${n === 1 || n === 1n ? word : plural}`;
}

/** ISO time to the second, or `-`. */
export function time(timestamp: Timestamp | undefined): string {
  return timestamp
    ? timestampDate(timestamp)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z')
    : '-';
}
