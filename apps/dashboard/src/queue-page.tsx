import { useCallback, useEffect, useState } from 'react';
import { getJson, type Build, type QueueView } from './api';
import { Empty, ErrorState, Loading, StatusPill } from './components';
import { setFavicon } from './favicon';
import { age, refLabel, shortSha } from './format';
import { useBuildEvents } from './live';
import { Link } from './router';

/** Waiting and running builds, and the live workers. */
export function QueuePage() {
  const [queue, setQueue] = useState<QueueView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    try { setQueue(await getJson<QueueView>('/api/queue')); setError(null); } catch (e) { setError(e); }
  }, []);
  useEffect(() => { void load(); setFavicon(null); }, [load]);
  useBuildEvents(() => { void load(); });
  if (error !== null && !queue) return <><h1>Queue</h1><ErrorState error={error} retry={() => void load()} /></>;
  if (!queue) return <><h1>Queue</h1><Loading /></>;
  return (
    <>
      <h1>Queue</h1>
      <div className="build-grid">
        <section><h2>Running ({queue.running.length})</h2><BuildItems builds={queue.running} empty="Nothing is running." /></section>
        <section><h2>Waiting ({queue.queued.length})</h2><BuildItems builds={queue.queued} empty="Nothing is waiting." /></section>
      </div>
      <section><h2>Workers</h2>
        {queue.workers.length === 0 ? <Empty>No live worker.</Empty> : (
          <ul className="compact">{queue.workers.map((w) => <li key={w.owner}><code>{w.owner}</code> · {w.running} running</li>)}</ul>
        )}
      </section>
    </>
  );
}

function BuildItems({ builds, empty }: { builds: Build[]; empty: string }) {
  if (builds.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ul className="compact">{builds.map((b) => (
      <li key={b.id}><StatusPill status={b.status} /> <Link href={`/builds/${b.id}`}>#{b.id}</Link> {b.repo} · {refLabel(b)} <code className="sha">{shortSha(b.sha)}</code> <span className="muted">{age(b.createdAt)}</span></li>
    ))}</ul>
  );
}
