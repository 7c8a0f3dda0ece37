import { useEffect, useRef } from 'react';

export interface BuildEvent { type: 'build.created' | 'build.changed' | 'build.finished'; buildId: number; status: string }

/**
 * Calls `onEvent` for every build change from `GET /api/events`; when that stream is not
 * available (an older server), calls it every few seconds with no event so the page polls.
 */
export function useBuildEvents(onEvent: (event: BuildEvent | null) => void): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    let poll: number | undefined;
    let opened = false;
    const source = new EventSource('/api/events');
    source.onopen = () => { opened = true; };
    source.onmessage = (message) => {
      try { handler.current(JSON.parse(message.data as string) as BuildEvent); } catch { /* ignore malformed */ }
    };
    source.onerror = () => {
      if (!opened) {
        source.close();
        if (poll === undefined) poll = window.setInterval(() => handler.current(null), 3000);
      }
    };
    return () => { source.close(); if (poll !== undefined) window.clearInterval(poll); };
  }, []);
}
