import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { startApi } from './api-process.ts';
import { call, createTenant } from './api-setup.ts';
const cpu = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10_000; };
async function measure(name: string, pid: number, url: string, headers: Record<string, string>) {
  await autocannon({ url, connections: 10, duration: 3, headers });
  const c0 = cpu(pid); const r = await autocannon({ url, connections: 10, duration: 6, headers }); const c1 = cpu(pid);
  const n = r['2xx']; console.log(`${name}: ${Math.round(n / 6)} req/s, ${Math.round((c1 - c0) / n)} µs CPU/req, non2xx ${r.non2xx}`);
  return (c1 - c0) / n;
}
const port = 40000 + (process.pid % 1000);
const lane = spawn(process.execPath, ['/tmp/lane/lane.cjs', String(port)], { stdio: 'ignore' });
const bare = spawn(process.execPath, ['scripts/bench/bare-express.ts'].length ? ['--import', 'tsx', 'scripts/bench/bare-express.ts'] : [], { env: { ...process.env, PORT: String(port + 1) }, stdio: 'ignore' });
const api = await startApi();
const t = await createTenant(api.base, 'lane');
await call(api.base, 'PUT', '/infra/kv/bench:hot', t.secret, { value: { n: 1, s: 'hello' } });
await new Promise((r) => setTimeout(r, 1000));
const auth = { authorization: `Bearer sk_live_${'a'.repeat(40)}` };
for (let round = 0; round < 2; round++) {
  const e = await measure('bare Express 5', bare.pid!, `http://127.0.0.1:${port + 1}/infra/kv/bench:hot`, {});
  const l = await measure('lean lane prototype', lane.pid!, `http://127.0.0.1:${port}/infra/kv/bench:hot`, auth);
  const a = await measure('API kv get', api.child.process.pid!, `${api.base}/infra/kv/bench:hot`, { authorization: `Bearer ${t.secret}` });
  console.log(`round ${round}: CPU ratio vs bare Express: lane ${(e / l).toFixed(2)}, API ${(e / a).toFixed(2)}`);
}
lane.kill(); bare.kill(); await api.stop();
