/**
 * `/orgs/:org/projects/:project/channels`, the channel monitor: pick a channel, watch its events
 * arrive live, and publish a test event. Names are checked against the document's patterns first.
 */
import { useEffect, useRef, useState } from 'react';
import { channelRule, eventRule } from 'virtual:saasignal-document';
import { checkJsonValue, checkString } from '../checks.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/States.tsx';
import { type ProjectClient, useProjectClient } from '../project-client.ts';
import { readEvents, type SseEvent } from '../sse.ts';

/** Events kept on screen; older ones scroll away. */
const KEEP = 200;

function pretty(data: string): string {
  try {
    return JSON.stringify(JSON.parse(data), null, 2);
  } catch {
    return data;
  }
}

function Watch({ client, channel }: { client: ProjectClient; channel: string }) {
  const [events, setEvents] = useState<SseEvent[]>([]);
  const [status, setStatus] = useState<'connecting' | 'live' | 'ended'>('connecting');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const abort = new AbortController();
    (async () => {
      const { response, error: failed } = await client.fetch.GET('/infra/channels/{channel}/subscribe', { params: { path: { channel } }, parseAs: 'stream', signal: abort.signal });
      if (failed || !response.body) {
        // parseAs 'stream' leaves the error body unread: read the envelope for the message.
        setError(await response.json().catch(() => null));
        setStatus('ended');
        return;
      }
      setStatus('live');
      await readEvents(response.body, (e) => setEvents((list) => [e, ...list].slice(0, KEEP)));
      setStatus('ended');
    })().catch((err: unknown) => {
      if (!abort.signal.aborted) {
        setError(err);
        setStatus('ended');
      }
    });
    return () => abort.abort();
  }, [client, channel]);
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">Events on {channel}</h2>
      <p role="status" className="muted">{status === 'connecting' ? 'Connecting…' : status === 'live' ? 'Live: new events appear at the top.' : 'The stream ended.'}</p>
      <ErrorMessage error={error} />
      <ul className="events" aria-live="polite">
        {events.map((e, i) => (
          <li key={e.id ?? `${i}-${e.data}`}>
            <strong>{e.event}</strong> {e.id && <code className="muted small">{e.id}</code>}
            <pre className="mono">{pretty(e.data)}</pre>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Publish({ client, channel }: { client: ProjectClient; channel: string }) {
  const [event, setEvent] = useState('test');
  const [data, setData] = useState('{"hello": "world"}');
  const [problem, setProblem] = useState<string | null>(null);
  const publish = client.query.useMutation('post', '/infra/channels/{channel}/publish');
  return (
    <form
      className="panel"
      aria-label="Publish a test event"
      onSubmit={(e) => {
        e.preventDefault();
        const parsed = checkJsonValue(data);
        const first = checkString(eventRule, event, 'The event name') ?? parsed.problem;
        setProblem(first);
        if (!first) publish.mutate({ params: { path: { channel } }, body: { event, data: parsed.value } });
      }}
    >
      <h2>Publish a test event</h2>
      <label>Event name<input value={event} onChange={(e) => setEvent(e.target.value)} required className="mono" /></label>
      <label>Data (JSON)<textarea value={data} onChange={(e) => setData(e.target.value)} className="mono" spellCheck={false} /></label>
      {problem && <p role="alert" className="error">{problem}</p>}
      <ErrorMessage error={publish.error} />
      {publish.data && <p role="status">Published to {publish.data.delivered} subscriber{publish.data.delivered === 1 ? '' : 's'}.</p>}
      <button type="submit" className="primary" disabled={publish.isPending}>Publish</button>
    </form>
  );
}

export function Channels({ org, project }: { org: string; project: string }) {
  const { client, error, isPending } = useProjectClient(org, project);
  const [typed, setTyped] = useState('');
  const [channel, setChannel] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <h1>Channels</h1>
      <form
        className="panel"
        onSubmit={(e) => {
          e.preventDefault();
          const p = checkString(channelRule, typed, 'The channel name');
          setProblem(p);
          if (!p) setChannel(typed);
          else input.current?.focus();
        }}
      >
        <label>Channel<input ref={input} value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="my-channel" required className="mono" /></label>
        {problem && <p role="alert" className="error">{problem}</p>}
        <button type="submit" className="primary">Watch</button>
      </form>
      {isPending ? (
        <Loading what="access to the project" />
      ) : error || !client ? (
        <ErrorMessage error={error} />
      ) : (
        channel && (
          <>
            <Publish client={client} channel={channel} />
            <Watch client={client} channel={channel} />
          </>
        )
      )}
    </>
  );
}
