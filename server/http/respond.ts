/**
 * Typed answers: the body of each operation's response is the generated type for that status, so
 * a handler cannot drift from the document without failing the type check.
 *
 * @module server/http/respond
 */
import type { Request, Response } from 'express';
import type { operations } from '../../generated/types.ts';
import type { Locals } from '../context.ts';
import type { OperationId } from '../spec.ts';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Responses<Op extends OperationId> = operations[Op]['responses'];
type SuccessStatus<Op extends OperationId> = Extract<keyof Responses<Op>, 200 | 201 | 202>;

export type ResponseBody<Op extends OperationId, S extends keyof Responses<Op> = SuccessStatus<Op>> = Json<Responses<Op>[S]>;
export type RequestBody<Op extends OperationId> = operations[Op] extends { requestBody?: infer R } ? Json<NonNullable<R>> : never;
export type QueryOf<Op extends OperationId> = operations[Op]['parameters'] extends { query?: infer Q } ? NonNullable<Q> : never;
export type PathOf<Op extends OperationId> = operations[Op]['parameters'] extends { path: infer P } ? P : never;

export function reply<Op extends OperationId, S extends SuccessStatus<Op>>(
  res: Response<unknown, Locals>,
  _op: Op,
  status: S,
  body: ResponseBody<Op, S>,
): void {
  res.status(status as number).json(body);
}

/** The validated request of an operation, typed from the document. */
export function input<Op extends OperationId>(req: Request, _op: Op) {
  return {
    body: (req.body ?? {}) as Partial<RequestBody<Op>> & RequestBody<Op>,
    query: req.query as unknown as QueryOf<Op>,
    params: req.params as unknown as PathOf<Op>,
  };
}
