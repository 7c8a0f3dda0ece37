const COLOURS: Record<string, string> = {
  success: '#1a7f37', failure: '#cf222e', error: '#cf222e', running: '#bf8700', queued: '#8c959f',
  blocked: '#8250df', cancelled: '#57606a',
};

/** Paints the tab's favicon in the colour of the build on screen (grey when none). */
export function setFavicon(status: string | null): void {
  const colour = (status && COLOURS[status]) || '#6e7781';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="${colour}"/></svg>`;
  const link = document.getElementById('favicon') as HTMLLinkElement | null;
  if (link) link.href = `data:image/svg+xml,${encodeURIComponent(svg)}`;
}
