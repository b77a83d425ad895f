/**
 * The SDK runtime: everything that is not specific to an endpoint. The generated client
 * (generated/sdk.ts) adds the operation table, the error class of each status and the types.
 *
 * @module saasignal/runtime
 */
export { APIPromise, PagePromise, type WithResponse } from './api-promise.ts';
export { BaseClient, CREDENTIAL_ENV, callOnce, credentialFromEnv, env, type SubscribeOptions } from './client.ts';
export { APIConnectionError, APITimeoutError, SaaSignalError } from './errors.ts';
export type { Logger, LogLevel } from './log.ts';
export type { ApiDefinition, ClientOptions, OperationSpec, RequestOptions } from './options.ts';
