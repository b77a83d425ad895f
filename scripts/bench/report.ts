/**
 * BENCHMARKS.md from a run's results: the machine, the targets (met or missed), one table per
 * section. Everything above the profiling-notes marker is rewritten by each run; the notes below
 * it are written by people (what was profiled, what was fixed, before and after) and kept.
 *
 * @module scripts/bench/report
 */
import type { LoadResult } from './load.ts';
import { renderDashboard } from './dashboard.ts';
import { baselineRps, checkTargets, median, type Results } from './targets.ts';

export const NOTES_MARKER = '<!-- Written by hand below this line; `npm run bench` keeps it. -->';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const pct = (x: number) => `${Math.round(x * 100)}%`;
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const table = (head: string[], rows: (string | number)[][]) =>
  [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
const mark = (met: boolean | null) => (met === null ? 'not reached' : met ? 'met' : '**missed**');

function loadTable(results: LoadResult[], http: number, express: number): string {
  return table(
    ['scenario', 'req/s', 'vs bare node:http', 'vs bare Express', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'non-2xx / errors'],
    results.map((s) => [s.name, int(s.rps), pct(s.rps / http), pct(s.rps / express), s.p50, s.p99, int(s.cpuUsPerRequest), `${s.non2xx} / ${s.errors}`]),
  );
}

/** The server section (baselines, stores, open loop, two instances) under headings of `level`. */
function renderServer(r: Results, level: '##' | '###'): string[] {
  const out: string[] = [];
  const server = r.server!;
  const { baselines, stores, skipped } = server;
  const http = baselineRps(baselines, 'bare node:http');
  const express = baselineRps(baselines, 'bare Express 5');
  out.push(`${level} Server`, '');
  out.push(
    `Load: autocannon in the benchmark process, keep-alive, ${r.options.connections} connections, ${r.options.seconds} s per scenario after ` +
      `${r.options.warmupSeconds} s of warm-up; the servers are child processes on loopback. Each API request carries a live project ` +
      'token (a session token for the organization listing) and goes through the whole pipeline: request id, validation against the ' +
      'document, authentication, rate limit (raised so that nothing is refused), authorization, metering (every request is charged, ' +
      'from the instance\'s hold on the balance, written every second: server/billing/ledger.ts), the handler. Server CPU per request is the server process\'s utime + stime (`/proc/<pid>/stat`) over the run, ' +
      'divided by the requests answered; peak RSS is its `VmHWM`.',
    '',
  );
  out.push(`${level}# Baselines`, '');
  out.push(
    'A bare `node:http` server and a bare Express 5 app with a trivial handler, answering the same small JSON a KV get returns; ' +
      'each runs before and after the API scenarios, and the ratios use their mean.',
    '',
  );
  out.push(
    table(
      ['baseline', 'run', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'peak RSS'],
      baselines.map((b, i) => [b.name, i < baselines.length / 2 ? 'before' : 'after', int(b.result.rps), b.result.p50, b.result.p99, int(b.result.cpuUsPerRequest), mb(b.result.peakRss)]),
    ),
    '',
  );
  for (const store of stores) {
    out.push(`${level}# ${store.store}`, '');
    out.push(loadTable(store.scenarios, http, express), '');
    const publish = store.scenarios.find((s) => s.name === 'publish');
    out.push(
      `Peak RSS of the server: ${mb(store.peakRss)} after ${int(store.totalRequests)} requests (RSS at the end: ${mb(store.rss)}). ` +
        `Started in ${int(store.startMs)} ms. ` +
        (store.heap ? `V8 heap (from \`--trace-gc\`): at most ${mb(store.heap.peakUsed)} used before a collection, ${mb(store.heap.peakCommitted)} committed; the rest of the RSS is code, native memory (SQLite's page cache, sockets, buffers) and V8's own. ` : '') +
        (publish
          ? `During the publish scenario the subscriber received ${int(store.subscriberEvents)} events; ${int(publish.sent)} publishes were answered ` +
            '(a publish in flight when a run stops is delivered but not counted as answered).'
          : ''),
      '',
    );
    const open = Object.entries(store.openLoop ?? {});
    if (open.length > 0) {
      out.push(
        'Open loop: requests at a fixed rate of half the throughput measured above, evenly spaced (one every 1/rate s, ' +
          'scripts/bench/open-loop.ts, keep-alive connections opened as needed), whatever the answers\' pace: the latency a client ' +
          'sees below capacity. Each latency runs from the request\'s scheduled send time, so a request the client sent late counts ' +
          'its delay too; "sent late" is that delay alone (the load generator\'s own stalls, on the same cores). Under each scenario, ' +
          'bare Express 5 in the same open loop at the same rate, right after it: the tail the machine alone gives a server with a trivial handler.',
        '',
        table(
          ['scenario', 'rate req/s', 'answered req/s', 'p50 ms', 'p99 ms', 'sent late p99 ms', 'non-2xx / errors'],
          open.flatMap(([name, o]) => {
            const c = store.openLoopControl?.[name];
            const row = (label: string, x: typeof o) => [label, int(x.rate), int(x.rps), x.p50, x.p99, x.sendLagP99 ?? '—', `${x.non2xx} / ${x.errors}`];
            return c ? [row(name, o), row('↳ bare Express 5, same rate', c)] : [row(name, o)];
          }),
        ),
        '',
      );
    }
  }
  if (server.twoInstances) {
    const t = server.twoInstances;
    out.push(
      `${level}# One organization, two instances (PostgreSQL + Redis)`,
      '',
      `Two API processes on the same database and Redis, each loaded with ${r.options.connections / 2} connections of KV gets by one ` +
        `organization's token at once: ${int(t.rps)} metered requests/s in all (${t.perInstance.map(int).join(' + ')}), ${t.non2xx} non-2xx / ${t.errors} errors. ` +
        `Once both had written their charges, the balance had dropped by ${int(t.balanceDrop)} μt; the answers announced ${int(t.announced)} μt in \`X-Microtokens-Used\`.` +
        (t.twoOrgsRps
          ? ` The control, alternating with it on the same instances: each instance loaded by an organization of its own (no shared balance), ${int(t.twoOrgsRps)} req/s; one organization got ${Math.round((100 * t.rps) / t.twoOrgsRps)}% of that.`
          : ''),
      '',
    );
  }
  for (const reason of skipped) out.push(`- ${reason}`);
  if (skipped.length) out.push('');
  return out;
}

/**
 * The report: `r` in full, then for each run in `otherNodes` (the same benchmark on another Node
 * major) its targets and server tables, so that the versions can be compared side by side.
 */
export function renderReport(r: Results, notes: string, otherNodes: Results[] = []): string {
  const m = r.machine;
  const out: string[] = [];
  out.push('# Benchmarks', '');
  out.push(
    `Written by \`npm run bench\`${r.options.quick ? ' (`--quick`)' : ''} on ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC in ${Math.round(r.seconds)} s. ` +
      'Absolute figures depend on the machine and on what else it was doing; the comparisons that matter are the ratios to ' +
      'baselines measured in the same run. Numbers: `bench-results.json`. How it measures: `scripts/bench/`.',
    '',
  );
  out.push('## Machine', '');
  out.push(
    table(
      ['', ''],
      [
        ['cores', m.cores],
        ['CPU', m.cpuModel],
        ['memory', `${(m.memoryBytes / 1024 ** 3).toFixed(1)} GiB`],
        ['Node', m.node],
        ['OS', m.platform],
        ['commit', `${m.commit}${m.uncommittedFiles ? ` (+${m.uncommittedFiles} uncommitted files)` : ''}`],
        ['load average (1 min) at start / end', `${m.loadAtStart.toFixed(2)} / ${r.loadAtEnd.toFixed(2)}`],
      ],
    ),
    '',
  );

  out.push('## Targets', '');
  out.push(table(['target', 'measured', ''], checkTargets(r).map((c) => [c.target, c.measured, mark(c.met)])), '');

  if (r.server) out.push(...renderServer(r, '##'));

  if (r.scale) {
    const { small, large } = r.scale;
    out.push('## Scale', '');
    out.push(
      `The embedded store with ${int(small.keys)} and with ${int(large.keys)} keys in the project, and as many again in another project ` +
        '(seeded straight into the SQL table in big transactions). One client, one keep-alive connection, requests one after another; ' +
        'gets of keys spread over the whole range, scans of a 100-key prefix anywhere in it. Both sizes are served at the same time ' +
        'and measured in alternating blocks, so that the noise of the machine falls on both.',
      '',
    );
    out.push(
      table(
        ['keys in project', 'rows in table', 'database size', 'seeding', 'get p50 ms', 'get p99 ms', 'get mean ms', 'scan p50 ms', 'scan p99 ms', 'scan mean ms'],
        [small, large].map((p) => [int(p.keys), int(p.rows), mb(p.dbBytes), `${p.seedSeconds.toFixed(1)} s`, ms(p.get.p50), ms(p.get.p99), ms(p.get.mean), ms(p.scan.p50), ms(p.scan.p99), ms(p.scan.mean)]),
      ),
      '',
      `Ratio ${int(large.keys)} / ${int(small.keys)} (median latency): get ×${r.scale.getRatio.toFixed(2)}, scan ×${r.scale.scanRatio.toFixed(2)}.`,
      '',
    );
  }

  if (r.toolchain) {
    const t = r.toolchain;
    out.push('## Toolchain', '');
    out.push(
      table(
        ['measure', 'value'],
        [
          ['`npm run generate`', `${t.generateSeconds.toFixed(1)} s`],
          ['`npm run docs:build`', `${t.docsBuildSeconds.toFixed(1)} s`],
          ['`npm start` to the first answered request (fresh data folder)', `median ${int(median(t.startMs))} ms (runs: ${t.startMs.map(int).join(', ')} ms)`],
          ['SDK: a browser bundle of `createClient` + one call (`saasignal` package, esbuild, minified)', kb(t.sdk.minBytes)],
          ['SDK minified + gzipped', kb(t.sdk.gzipBytes)],
          ['docs page `generated/docs/index.html`', `${kb(t.docsPage.rawBytes)} raw, ${kb(t.docsPage.gzipBytes)} gzipped`],
        ],
      ),
      '',
    );
  }

  if (r.dashboard) out.push(...renderDashboard(r.dashboard));
  for (const other of otherNodes) {
    out.push(`## Node ${other.machine.node.split('.')[0].slice(1)}`, '');
    out.push(
      `The same benchmark on Node ${other.machine.node}, run on ${other.startedAt.slice(0, 16).replace('T', ' ')} UTC in ${Math.round(other.seconds)} s ` +
        `(commit ${other.machine.commit}${other.machine.uncommittedFiles ? ` +${other.machine.uncommittedFiles} uncommitted files` : ''}; load average ${other.machine.loadAtStart.toFixed(2)} at start, ` +
        `${other.loadAtEnd.toFixed(2)} at end), with its own baselines: its ratios compare within that run. Numbers: \`bench-results.node${other.machine.node.split('.')[0].slice(1)}.json\`` +
        ` (or \`bench-results.json\` for Node 20).`,
      '',
    );
    out.push('### Targets', '');
    out.push(table(['target', 'measured', ''], checkTargets(other).map((c) => [c.target, c.measured, mark(c.met)])), '');
    if (other.server) out.push(...renderServer(other, '###'));
  }
  out.push('## Profiling notes', '', NOTES_MARKER, notes.trim() ? `\n${notes.trim()}\n` : '');
  return `${out.join('\n').trimEnd()}\n`;
}

/** The hand-written notes of an existing BENCHMARKS.md (empty when there are none). */
export function existingNotes(markdown: string): string {
  const at = markdown.indexOf(NOTES_MARKER);
  return at < 0 ? '' : markdown.slice(at + NOTES_MARKER.length);
}
