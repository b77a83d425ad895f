/**
 * The shape of the CLI's command table. generated/cli.ts holds the rows, written by
 * scripts/sdk/generate-cli.ts from each operation's `x-sdk.cli` and its parameters and body
 * schema; the CLI builds every API command from them, so no command is written by hand.
 *
 * @module saasignal/cli/table
 */

/** How a value typed on the command line becomes the request's value. */
export type ParamType =
  /** As typed. */
  | 'string'
  | 'number'
  | 'integer'
  /** A flag: present is true. */
  | 'boolean'
  /** Strings, comma- or space-separated (or a JSON array). */
  | 'list'
  /** JSON, required to parse (an object or array). */
  | 'json'
  /** Any JSON value: parsed when it is JSON, else taken as a string (`kv set k hello`). */
  | 'any';

export interface CliParam {
  /** The request field (`key`, `if_not_exists`). */
  name: string;
  in: 'path' | 'query' | 'body';
  /** A positional argument, else an option (`--if-not-exists`). */
  positional: boolean;
  required: boolean;
  type: ParamType;
  description?: string;
  choices?: string[];
  /** Defaults to the stored login's organization (`org_id`). */
  context?: 'org';
}

export interface CliOperation {
  /** Noun and verb: `kv get`. */
  command: string;
  /** The operation's summary, the command's one-line help. */
  summary: string;
  /** The SDK method the command calls (`infra.kv.get`): the SDK's operation table does the request. */
  method: string;
  /** The SDK method's arguments (`x-sdk.args`), which the CLI fills from the params. */
  sdkArgs: string[];
  /** `GET /infra/kv/{key}`, for the help text. */
  route: string;
  scope: string | null;
  params: CliParam[];
  /** A paginated list (`--all` walks every page). */
  page?: { cursor: string; next: string; items: string };
  /** An event stream, printed as events arrive. */
  stream?: boolean;
}
