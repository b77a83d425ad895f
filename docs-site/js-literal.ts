/**
 * Prints JSON values as the JavaScript a person would type: single quotes, bare keys where
 * allowed, `{ a: 1 }` spacing, and one entry per line once a value no longer fits the width.
 *
 * @module docs-site/js-literal
 */

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function jsString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

function key(k: string): string {
  return IDENTIFIER.test(k) ? k : jsString(k);
}

/** The value on one line. */
export function inline(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? jsString(value) : String(value);
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  const entries = Object.entries(value);
  return entries.length ? `{ ${entries.map(([k, v]) => `${key(k)}: ${inline(v)}`).join(', ')} }` : '{}';
}

/**
 * The value starting at column `column` of a line indented by `indent`: inline when the line
 * stays within `width`, otherwise broken one entry per line (recursively), with trailing commas.
 */
export function literal(value: unknown, indent = '', column = indent.length, width = 100): string {
  const flat = inline(value);
  if (column + flat.length <= width || value === null || typeof value !== 'object') return flat;
  const inner = `${indent}  `;
  const lines = Array.isArray(value)
    ? value.map((v) => `${inner}${literal(v, inner, inner.length, width - 1)},`)
    : Object.entries(value).map(([k, v]) => {
        const head = `${inner}${key(k)}: `;
        return `${head}${literal(v, inner, head.length, width - 1)},`;
      });
  if (!lines.length) return flat;
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${lines.join('\n')}\n${indent}${close}`;
}

/**
 * A call `head(arg, …)`: on one line if it fits, otherwise with the last argument broken over
 * lines (the way Prettier hugs a trailing object or array).
 */
export function call(head: string, args: unknown[], width = 100): string {
  const flat = `${head}(${args.map(inline).join(', ')})`;
  if (flat.length <= width || !args.length) return flat;
  const first = args.slice(0, -1).map(inline);
  const prefix = `${head}(${first.map((a) => `${a}, `).join('')}`;
  return `${prefix}${literal(args[args.length - 1], '', prefix.length, width)})`;
}
