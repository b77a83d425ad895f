/**
 * Refuses JSON bodies nested deeper than {@link MAX_DEPTH} levels (400). `JSON.parse` accepts any
 * depth, but `JSON.stringify`, the validator and every recursive walk after it overflow the stack
 * at a few thousand levels: that must be a client error at the door, not a 500 deep inside.
 * The walk is iterative, so measuring the depth cannot overflow itself.
 *
 * @module server/http/json-depth
 */
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors.ts';

/** Far beyond any real document; far below where recursion in V8 fails (≈ 5,000 here). */
export const MAX_DEPTH = 512;

export function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) max = depth;
    if (max > MAX_DEPTH) return max;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return max;
}

export function limitJsonDepth(req: Request, _res: Response, next: NextFunction): void {
  if (req.body !== undefined && depthOf(req.body) > MAX_DEPTH) {
    throw new ApiError('INVALID_REQUEST', `The JSON body is nested deeper than ${MAX_DEPTH} levels.`, {
      details: [{ path: '/body', message: `must not be nested deeper than ${MAX_DEPTH} levels` }],
    });
  }
  next();
}
