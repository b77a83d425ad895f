/**
 * The V8 settings `npm start` gives the server, and the rule that a user's own flag wins.
 * Plain JavaScript: scripts/start.mjs imports it before any loader exists.
 *
 * @module scripts/v8-defaults
 */

/**
 * Set at run time by scripts/start.mjs (V8 reads them at each full collection). The young
 * generation's bound cannot be set at run time (V8 sizes it when it starts): package.json's start
 * script gives it on node's command line.
 */
export const RUNTIME_V8_DEFAULTS = ['--heap-growing-percent=50'];

/** `--max-semi-space-size=8` → `max-semi-space-size`; `--no-maglev` → `maglev` (V8 reads `_` as `-`). */
const flagName = (arg) => arg.replace(/^--(no-)?/, '').split('=')[0].replaceAll('_', '-');

/**
 * The defaults whose flag the user did not give, on node's command line (`execArgv`) or in
 * NODE_OPTIONS (which `process.execArgv` does not list). A default set after start-up would
 * silently replace the user's value.
 */
export function defaultsToApply(defaults, execArgv, nodeOptions = '') {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].filter((arg) => arg.startsWith('--')).map(flagName));
  return defaults.filter((flag) => !given.has(flagName(flag)));
}
