/**
 * The CLI's exit codes and the errors that choose them: 0 success, 1 an API, login or
 * connection error (its message and request id printed), 2 a usage error (bad command,
 * argument or option).
 *
 * @module saasignal/cli/errors
 */

export const EXIT_OK = 0;
export const EXIT_API = 1;
export const EXIT_USAGE = 2;

/** A command line the CLI cannot run as given: exit 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
}

/** A failure that is not the API's answer to a call (login, stored credentials): exit 1. */
export class CliError extends Error {
  readonly exitCode = EXIT_API;
}
