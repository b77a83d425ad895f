/**
 * From what was typed to the SDK call: each value parsed by its field's type in the command
 * table, then placed into the SDK method's positional arguments as its `x-sdk.args` say.
 *
 * @module saasignal/cli/values
 */
import { InvalidArgumentError } from 'commander';
import type { CliOperation, CliParam } from './table.ts';

/** Parses one typed value; a bad one is a usage error (commander exits with 2). */
export function parseValue(param: CliParam, raw: string): unknown {
  switch (param.type) {
    case 'integer':
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (param.type === 'integer' && !Number.isInteger(n))) {
        throw new InvalidArgumentError(`Expected ${param.type === 'integer' ? 'an integer' : 'a number'}.`);
      }
      return n;
    }
    case 'list': {
      const items = raw.trim().startsWith('[') ? parseJson(raw) : raw.split(/[\s,]+/).filter(Boolean);
      if (!Array.isArray(items) || !items.every((i) => typeof i === 'string')) throw new InvalidArgumentError('Expected names separated by commas.');
      const unknown = param.choices ? items.filter((i) => !param.choices?.includes(i)) : [];
      if (unknown.length) throw new InvalidArgumentError(`Unknown: ${unknown.join(', ')}. Allowed: ${param.choices?.join(', ')}.`);
      return items;
    }
    case 'json':
      return parseJson(raw);
    case 'any':
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    default:
      if (param.choices && !param.choices.includes(raw)) throw new InvalidArgumentError(`Allowed: ${param.choices.join(', ')}.`);
      return raw;
  }
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new InvalidArgumentError(`Expected JSON: ${(err as Error).message}.`);
  }
}

/** The SDK method's arguments, from the parsed values by field name (undefined ones left out). */
export function sdkArguments(op: CliOperation, values: Record<string, unknown>): unknown[] {
  const fieldsIn = (where: CliParam['in'][], picked: string[] = []) =>
    Object.fromEntries(op.params.filter((p) => where.includes(p.in) && !picked.includes(p.name) && values[p.name] !== undefined).map((p) => [p.name, values[p.name]]));
  const picked = (where: string) => op.sdkArgs.filter((a) => a.startsWith(`${where}:`)).map((a) => a.slice(where.length + 1));
  return op.sdkArgs.map((arg) => {
    if (arg === 'body' || arg === 'query') return fieldsIn([arg], picked(arg));
    if (arg === 'path+body') return fieldsIn(['path', 'body']);
    return values[arg.slice(arg.indexOf(':') + 1)];
  });
}
