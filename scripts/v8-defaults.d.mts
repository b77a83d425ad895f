/** Types of scripts/v8-defaults.mjs (plain JavaScript, run by node without a loader). */
export declare const RUNTIME_V8_DEFAULTS: string[];
export declare function defaultsToApply(defaults: string[], execArgv: string[], nodeOptions?: string): string[];
