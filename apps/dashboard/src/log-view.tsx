import { AnsiUp } from 'ansi_up';
import { useEffect, useMemo, useRef, useState } from 'react';
import { getText } from './api';

interface Section { title: string; lines: string[]; start: number }

/** Splits a log at the pipeline's `==> step` markers (libs/pipeline build-run.ts). */
export function sections(lines: string[]): Section[] {
  const out: Section[] = [{ title: 'setup', lines: [], start: 1 }];
  lines.forEach((line, i) => {
    const m = /^==> (.+)$/.exec(line);
    if (m && !/ done in [\d.]+s$/.test(m[1])) out.push({ title: m[1], lines: [line], start: i + 1 });
    else out[out.length - 1].lines.push(line);
  });
  return out.filter((s, i) => i > 0 || s.lines.length > 0);
}

/**
 * The build log: live over server-sent events while the build runs, the text once it ended.
 * ANSI colours through ansi_up (which escapes HTML), follows the tail until the reader scrolls
 * up, a search box, a download, each step foldable.
 */
export function LogView({ buildId, live, onEnd }: { buildId: number; live: boolean; onEnd: () => void }) {
  const [lines, setLines] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [folded, setFolded] = useState<Record<number, boolean>>({});
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  const endRef = useRef(onEnd);
  endRef.current = onEnd;

  useEffect(() => {
    setLines([]); setError(null);
    if (!live) {
      const abort = new AbortController();
      getText(`/api/builds/${buildId}/logs`, abort.signal)
        .then((text) => setLines(text.replace(/\n$/, '').split('\n').filter((l, i, all) => l !== '' || all.length > 1)))
        .catch((e: unknown) => { if (!abort.signal.aborted) setError(e instanceof Error ? e.message : String(e)); });
      return () => abort.abort();
    }
    const source = new EventSource(`/api/builds/${buildId}/logs`);
    const buffer: string[] = [];
    let timer: number | undefined;
    const flush = () => { timer = undefined; const chunk = buffer.splice(0); setLines((prev) => prev.concat(chunk)); };
    source.onmessage = (m) => { buffer.push(m.data as string); if (timer === undefined) timer = window.setTimeout(flush, 100); };
    source.addEventListener('end', () => { source.close(); flush(); endRef.current(); });
    source.onerror = () => { source.close(); flush(); endRef.current(); };
    return () => { source.close(); if (timer !== undefined) window.clearTimeout(timer); };
  }, [buildId, live]);

  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, follow]);

  const onScroll = () => {
    const el = box.current;
    if (el) setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < 40);
  };

  const ansi = useMemo(() => { const a = new AnsiUp(); a.use_classes = true; return a; }, []);
  const parts = useMemo(() => sections(lines), [lines]);
  const needle = query.trim().toLowerCase();
  const matches = needle ? lines.filter((l) => l.toLowerCase().includes(needle)).length : 0;

  const download = () => {
    const url = URL.createObjectURL(new Blob([lines.join('\n') + '\n'], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url; a.download = `build-${buildId}.log`; a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <section className="log" aria-label="Log">
      <div className="log-bar">
        <h2>Log {live && <span className="live-dot" title="live">live</span>}</h2>
        <input type="search" placeholder="Search the log" aria-label="Search the log" value={query} onChange={(e) => setQuery(e.target.value)} />
        {needle && <span className="muted">{matches} match{matches === 1 ? '' : 'es'}</span>}
        <button className="btn" onClick={download} disabled={lines.length === 0}>Download</button>
        {!follow && <button className="btn" onClick={() => setFollow(true)}>Follow tail ↓</button>}
      </div>
      {error && <div className="state state-error" role="alert">Could not load the log: {error}</div>}
      <div className="log-box" ref={box} onScroll={onScroll} tabIndex={0} data-testid="log">
        {lines.length === 0 && !error && <div className="muted log-empty">{live ? 'Waiting for output…' : 'No log.'}</div>}
        {parts.map((s, i) => (
          <div className="log-section" key={`${s.start}`}>
            <button className="log-fold" aria-expanded={!folded[i]} onClick={() => setFolded((f) => ({ ...f, [i]: !f[i] }))}>
              {folded[i] ? '▸' : '▾'} {s.title}
            </button>
            {!folded[i] && s.lines.map((line, j) => {
              const hit = needle !== '' && line.toLowerCase().includes(needle);
              return (
                <div className={`log-line${hit ? ' hit' : ''}`} key={j}>
                  <span className="ln">{s.start + j}</span>
                  <span dangerouslySetInnerHTML={{ __html: ansi.ansi_to_html(line) }} />
                </div>
              );
            })}
          </div>
        ))}
      </div>
    </section>
  );
}
