/**
 * What a command prints on stdout: JSON for scripts (`--json`), or for people a table of a list's
 * items, or the fields of one object, one per line. Diagnostics go to stderr.
 *
 * @module saasignal/cli/output
 */

const MAX_CELL = 60;

/** One cell: strings as they are, `null` as `-`, anything else as compact JSON; long ones cut. */
export function cell(value: unknown): string {
  const text = value === null || value === undefined ? '-' : typeof value === 'string' ? value : JSON.stringify(value);
  const line = text.replace(/[\r\n\t]+/g, ' ');
  return line.length > MAX_CELL ? `${line.slice(0, MAX_CELL - 1)}…` : line;
}

/** A table with an upper-case header; the columns are every field of the rows, in first-seen order. */
export function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(none)';
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = [columns.map((c) => c.toUpperCase()), ...rows.map((r) => columns.map((c) => cell(r[c])))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  return cells.map((line) => line.map((text, i) => (i === line.length - 1 ? text : text.padEnd(widths[i]))).join('  ')).join('\n');
}

/** One object's fields, one per line, names aligned. */
export function fields(obj: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(obj).map((k) => k.length));
  return Object.entries(obj)
    .map(([k, v]) => `${k.padEnd(width)}  ${typeof v === 'string' ? v : v === null || v === undefined ? '-' : JSON.stringify(v)}`)
    .join('\n');
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A list: objects as a table; scalars (keys of a scan) one per line, as `ls` prints names. */
const list = (items: unknown[]) => (items.every(isRecord) ? table(items) : items.length ? items.map(cell).join('\n') : '(none)');

/** The human form of an answer: a list's items as a table (`items` names them for a page), else the fields. */
export function human(data: unknown, items?: string): string {
  if (data === undefined || data === '') return '';
  if (Array.isArray(data)) return list(data);
  if (!isRecord(data)) return String(data);
  // A single list field (`{ results: [...] }`) reads best as a table too.
  const keys = Object.keys(data);
  const field = items ?? (keys.length === 1 && Array.isArray(data[keys[0]]) ? keys[0] : undefined);
  if (field && Array.isArray(data[field])) return list(data[field] as unknown[]);
  return fields(data);
}

export const json = (data: unknown) => JSON.stringify(data ?? null, null, 2);
