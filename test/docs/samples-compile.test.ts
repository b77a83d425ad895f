/**
 * Every TypeScript snippet the docs publish compiles against the generated SDK, as a user would
 * paste it (`import … from 'saasignal'`): the SDK sample of every operation and every `ts` block
 * of the guides. A sample that drifts from the SDK's surface fails here, not in a reader's editor.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sdkSample } from '../../docs-site/code-samples.ts';
import { type Json, operations } from '../../lib/openapi-document.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const doc: Json = JSON.parse(readFileSync(`${root}generated/openapi.json`, 'utf8'));

/** The ```ts blocks of a Markdown text. */
function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```/gm)].map((m) => m[1]);
}

/** Type-checks in-memory files, with `saasignal` resolving to generated/sdk.ts. */
function diagnostics(files: Record<string, string>): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    typeRoots: [`${root}node_modules/@types`],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    isolatedModules: true,
    paths: { saasignal: [`${root}generated/sdk.ts`] },
  };
  const host = ts.createCompilerHost(options);
  const virtual = new Map(Object.entries(files).map(([name, text]) => [`${root}.docs-samples/${name}`, text]));
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, version, ...rest) =>
    virtual.has(name) ? ts.createSourceFile(name, virtual.get(name) as string, version) : getSourceFile.call(host, name, version, ...rest);
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(name) ?? readFile.call(host, name);
  const program = ts.createProgram([...virtual.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && virtual.has(d.file.fileName))
    .map((d) => `${d.file?.fileName.split('/').pop()}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('published TypeScript', () => {
  it('compiles: every SDK sample and every ts block of the guides', () => {
    const files: Record<string, string> = {};
    for (const op of operations(doc)) {
      const sample = sdkSample(doc, op);
      // `export {}` makes each file a module, so top-level await and repeated names are fine.
      if (sample) files[`${op.operationId}.ts`] = `${sample}\nexport {}\n`;
    }
    tsBlocks(doc.info.description).forEach((block, i) => {
      files[`guide-${i}.ts`] = `${block}\nexport {}\n`;
    });
    // Every operation with an SDK method (the OAuth protocol endpoints have none), and the guides' blocks.
    expect(Object.keys(files).length).toBeGreaterThan(operations(doc).filter((op) => op.op['x-sdk']).length);
    // A control in the same program: the check must catch a call the SDK does not accept.
    files['control.ts'] =
      "import { createClient } from 'saasignal'\nconst ss = createClient()\nawait ss.core.orgs.createProject('org_1', { name: 'x', region: 'mars' })\nexport {}\n";
    const found = diagnostics(files);
    expect(found.filter((d) => !d.startsWith('control.ts:'))).toEqual([]);
    expect(found.join('\n')).toMatch(/^control\.ts: .*mars/m);
  }, 60_000); // a full type check of the SDK: seconds
});
