import type { ReactNode } from 'react';
import type { Author, Build } from './api';

const ICONS: Record<string, string> = {
  success: '✓', failure: '✗', error: '!', running: '●', queued: '○', blocked: '⏸', cancelled: '⊘',
};

/** Status as colour and text (never colour alone). */
export function StatusPill({ status }: { status: string }) {
  return (
    <span className={`pill pill-${status}`} data-status={status}>
      <span aria-hidden="true">{ICONS[status] ?? '·'}</span> {status}
    </span>
  );
}

export function AuthorChip({ author }: { author: Author | null | undefined }) {
  if (!author) return <span className="muted">–</span>;
  const label = author.login ?? author.name;
  return (
    <span className="author" title={author.name}>
      {author.avatarUrl && /^https?:\/\//.test(author.avatarUrl)
        ? <img className="avatar" src={author.avatarUrl} alt="" width={18} height={18} loading="lazy" />
        : <span className="avatar avatar-blank" aria-hidden="true">{label.slice(0, 1).toUpperCase()}</span>}
      {label}
    </span>
  );
}

export function Loading() {
  return <div className="state" role="status">Loading…</div>;
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      Could not load: {error instanceof Error ? error.message : String(error)}
      {retry && <button className="btn" onClick={retry}>Try again</button>}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state">{children}</div>;
}

/** An outside link only when it is http(s): URLs from the API are not trusted blindly. */
export function SafeLink({ href, children }: { href: string | null | undefined; children: ReactNode }) {
  if (!href || !/^https?:\/\//.test(href)) return null;
  return <a href={href} target="_blank" rel="noopener noreferrer">{children}</a>;
}

export function triggerLabel(b: Build): string {
  if (b.rebuildOf) return `rebuild of #${b.rebuildOf}`;
  if (b.retryOf) return `retry of #${b.retryOf}`;
  return b.triggeredBy ? `${b.event} by ${b.triggeredBy}` : b.event;
}
