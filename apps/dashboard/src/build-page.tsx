import { useCallback, useEffect, useState } from 'react';
import { getJson, post, type Build, type Image } from './api';
import { AuthorChip, ErrorState, Loading, SafeLink, StatusPill, triggerLabel } from './components';
import { setFavicon } from './favicon';
import { age, durationMs, formatDuration, isFinished, refLabel, shortSha } from './format';
import { useBuildEvents } from './live';
import { LogView } from './log-view';
import { Link, navigate } from './router';

/** One build: facts, steps timeline, images, actions and the live log. */
export function BuildPage({ id }: { id: number }) {
  const [build, setBuild] = useState<Build | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try { setBuild(await getJson<Build>(`/api/builds/${id}`)); setError(null); } catch (e) { setError(e); }
  }, [id]);
  useEffect(() => { setBuild(null); void load(); }, [load]);
  useEffect(() => { setFavicon(build?.status ?? null); document.title = build ? `#${build.id} ${build.status} · ${build.repo}` : 'Drydock'; }, [build]);
  useBuildEvents((event) => { if (!event || event.buildId === id) void load(); });

  if (error !== null && !build) return <ErrorState error={error} retry={() => void load()} />;
  if (!build) return <Loading />;
  const live = !isFinished(build.status) && build.status !== 'blocked';

  const act = async (action: string) => {
    setActionError(null);
    try {
      const result = await post<Build>(`/api/builds/${build.id}/${action}`);
      if ((action === 'rebuild' || action === 'retry') && result?.id && result.id !== build.id) navigate(`/builds/${result.id}`);
      else void load();
    } catch (e) { setActionError(e instanceof Error ? e.message : String(e)); }
  };

  return (
    <>
      <div className="build-head">
        <StatusPill status={build.status} />
        <h1>#{build.id} {build.title ?? refLabel(build)}</h1>
      </div>
      <dl className="facts">
        <div><dt>Repository</dt><dd><Link href={`/repos/${build.repo}`}>{build.repo}</Link></dd></div>
        <div><dt>Ref</dt><dd>{refLabel(build)}</dd></div>
        <div><dt>Commit</dt><dd><code className="sha">{shortSha(build.sha)}</code></dd></div>
        <div><dt>Author</dt><dd><AuthorChip author={build.author} /></dd></div>
        <div><dt>Trigger</dt><dd>{triggerLabel(build)}</dd></div>
        <div><dt>Queued</dt><dd title={build.createdAt}>{age(build.createdAt)}{build.startedAt && ` · waited ${formatDuration(durationMs(build.createdAt, build.startedAt))}`}</dd></div>
        <div><dt>Duration</dt><dd>{formatDuration(durationMs(build.startedAt, build.finishedAt))}</dd></div>
        <div><dt>Links</dt><dd className="links">
          <SafeLink href={build.commitUrl}>commit</SafeLink>
          <SafeLink href={build.compareUrl}>compare</SafeLink>
          <SafeLink href={build.pullRequestUrl}>pull request</SafeLink>
          {!build.commitUrl && !build.compareUrl && !build.pullRequestUrl && <span className="muted">–</span>}
        </dd></div>
      </dl>
      <div className="actions">
        <button className="btn" onClick={() => void act('rebuild')}>Rebuild</button>
        {(build.status === 'failure' || build.status === 'error') && <button className="btn" onClick={() => void act('retry')}>Retry</button>}
        {live && <button className="btn btn-danger" onClick={() => void act('cancel')}>Cancel</button>}
        {build.status === 'blocked' && <>
          <button className="btn btn-primary" onClick={() => void act('approve')}>Approve</button>
          <button className="btn btn-danger" onClick={() => void act('decline')}>Decline</button>
        </>}
      </div>
      {actionError && <div className="state state-error" role="alert">{actionError}</div>}
      {build.error && (build.status === 'failure' || build.status === 'error' || build.status === 'cancelled') && (
        <div className="build-error" role="alert"><strong>Why it {build.status === 'cancelled' ? 'stopped' : 'failed'}:</strong> <span>{build.error}</span></div>
      )}
      <div className="build-grid">
        <section aria-label="Steps">
          <h2>Steps</h2>
          <ol className="timeline">
            {(build.steps ?? []).map((s, i) => (
              <li key={`${s.name}-${i}`} className={`step step-${s.status}`}>
                <StatusPill status={s.status} />
                <span className="step-name">{s.name}{s.image ? ` ${s.image}` : ''}</span>
                {s.cache && s.cache.cached > 0 && <span className="tag" title="Dockerfile steps taken from BuildKit's layer cache">cached {s.cache.cached}/{s.cache.steps}</span>}
                <span className="num muted">{formatDuration(durationMs(s.startedAt, s.finishedAt))}</span>
              </li>
            ))}
            {(build.steps ?? []).length === 0 && <li className="muted">No steps yet.</li>}
          </ol>
          {(build.images ?? []).length > 0 && <h2>Images</h2>}
          {(build.images ?? []).map((img) => <ImageCard key={img.name} image={img} />)}
        </section>
        <LogView buildId={build.id} live={live} onEnd={() => void load()} />
      </div>
    </>
  );
}

export function ImageCard({ image }: { image: Image }) {
  const pull = image.digest ? `docker pull ${image.name}@${image.digest}` : null;
  const [copied, setCopied] = useState(false);
  return (
    <div className="image">
      <div className="image-name">{image.name}</div>
      <div>{image.tags.map((t) => <span className="tag" key={t}>{t}</span>)}</div>
      {image.digest && <code className="digest" title={image.digest}>{image.digest}</code>}
      {pull && (
        <div className="pull">
          <code>{pull}</code>
          <button className="btn btn-small" onClick={() => void navigator.clipboard?.writeText(pull).then(() => setCopied(true))}>{copied ? 'Copied' : 'Copy'}</button>
        </div>
      )}
    </div>
  );
}
