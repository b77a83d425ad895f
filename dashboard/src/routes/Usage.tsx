/**
 * `/orgs/:org/usage`: the balance (included remaining, top-up, total) and the billing cycle's usage
 * by primitive and by day, as a chart and as tables, with the cycle's dates.
 */
import { $api } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Empty, Loading } from '../components/States.tsx';

const tokens = (n: number) => `${n.toLocaleString(undefined, { maximumFractionDigits: 6 })} tokens`;
const μt = (n: number) => `${n.toLocaleString()} μt`;

export function Usage({ org }: { org: string }) {
  const balance = $api.useQuery('get', '/core/tokens/balance', { params: { query: { org_id: org } } });
  const usage = $api.useQuery('get', '/core/organizations/{org_id}/usage', { params: { path: { org_id: org } } });
  const u = usage.data;
  const byPrimitive = new Map<string, { calls: number; microtokens: number }>();
  for (const o of u?.by_operation ?? []) {
    const sum = byPrimitive.get(o.primitive) ?? { calls: 0, microtokens: 0 };
    byPrimitive.set(o.primitive, { calls: sum.calls + o.calls, microtokens: sum.microtokens + o.microtokens });
  }
  const peak = Math.max(1, ...(u?.by_day ?? []).map((d) => d.microtokens));
  const lastDay = u ? new Date(Date.parse(u.ends_at) - 1).toLocaleDateString(undefined, { timeZone: 'UTC' }) : '';
  return (
    <>
      <h1>Usage</h1>
      <h2>Balance</h2>
      {balance.isPending ? (
        <Loading what="balance" />
      ) : balance.error ? (
        <ErrorMessage error={balance.error} />
      ) : (
        <div className="stats">
          <div className="stat"><span className="muted small">Included remaining</span><strong>{tokens(balance.data.included_remaining)}</strong></div>
          <div className="stat"><span className="muted small">Top-up</span><strong>{tokens(balance.data.topup_balance)}</strong></div>
          <div className="stat"><span className="muted small">Total</span><strong>{tokens(balance.data.total)}</strong></div>
        </div>
      )}
      <p className="muted small">
        The included allowance is the owner's, shared by every organization they own; top-ups belong to this organization and are spent after it.
      </p>
      {usage.isPending ? (
        <Loading what="usage" />
      ) : usage.error ? (
        <ErrorMessage error={usage.error} />
      ) : (
        <>
          <h2>
            Billing cycle {u!.cycle}: {new Date(u!.starts_at).toLocaleDateString(undefined, { timeZone: 'UTC' })} – {lastDay}
          </h2>
          <p>{u!.calls.toLocaleString()} charged calls, {μt(u!.microtokens)} ({tokens(u!.microtokens / 1_000_000)}).</p>
          {u!.calls === 0 ? (
            <Empty><p>No charged calls in this cycle yet. KV and channel calls with a live token show up here.</p></Empty>
          ) : (
            <>
              <h3>By primitive</h3>
              <table>
                <thead><tr><th scope="col">Primitive</th><th scope="col">Calls</th><th scope="col">Microtokens</th></tr></thead>
                <tbody>
                  {[...byPrimitive].map(([p, s]) => (
                    <tr key={p}><td>{p}</td><td>{s.calls.toLocaleString()}</td><td>{μt(s.microtokens)}</td></tr>
                  ))}
                </tbody>
              </table>
              <h3>By operation</h3>
              <table>
                <thead><tr><th scope="col">Operation</th><th scope="col">Primitive</th><th scope="col">Calls</th><th scope="col">Microtokens</th></tr></thead>
                <tbody>
                  {u!.by_operation.map((o) => (
                    <tr key={o.operation_id}><td><code>{o.operation_id}</code></td><td>{o.primitive}</td><td>{o.calls.toLocaleString()}</td><td>{μt(o.microtokens)}</td></tr>
                  ))}
                </tbody>
              </table>
              <h3 id="by-day">By day</h3>
              <div className="bars" role="img" aria-labelledby="by-day" aria-describedby="by-day-table">
                {u!.by_day.map((d) => (
                  <div key={d.date} className="bar" style={{ height: `${Math.round((d.microtokens / peak) * 100)}%` }} title={`${d.date}: ${μt(d.microtokens)}`} />
                ))}
              </div>
              <table id="by-day-table">
                <thead><tr><th scope="col">Day (UTC)</th><th scope="col">Calls</th><th scope="col">Microtokens</th></tr></thead>
                <tbody>
                  {u!.by_day.map((d) => (
                    <tr key={d.date}><td>{d.date}</td><td>{d.calls.toLocaleString()}</td><td>{μt(d.microtokens)}</td></tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </>
      )}
    </>
  );
}
