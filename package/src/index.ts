/**
 * The `saasignal` package's entry: the generated client (operation table, error classes and
 * types from the document) over the runtime in ./runtime/.
 *
 * @module saasignal
 */
export * from '../../generated/sdk.ts';
export { default } from '../../generated/sdk.ts';
