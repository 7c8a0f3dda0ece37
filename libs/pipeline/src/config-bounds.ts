import { z } from 'zod';

/** Images one `.drydock.yml` may list. */
export const MAX_IMAGES = 50;
/** The longest `timeout:` a config may ask for. */
export const MAX_TIMEOUT_SECONDS = 24 * 60 * 60;

/**
 * A lower bound on the number of `images:` items, read from the text before any YAML parsing
 * (parsing 1 MiB of items takes seconds): the top-level block sequence's items at their
 * indentation, or the top-level commas of a flow sequence. Stops counting past `MAX_IMAGES`.
 */
export function imagesAtLeast(text: string): number {
  const lines = text.split('\n', 1_000_000);
  const start = lines.findIndex((l) => /^images\s*:/.test(l));
  if (start < 0) return 0;
  const inline = lines[start].replace(/^images\s*:\s*/, '');
  if (inline.startsWith('[')) {
    const offset = lines.slice(0, start).reduce((sum, l) => sum + l.length + 1, 0);
    return flowItems(text.slice(text.indexOf('[', offset)));
  }
  let indent: string | null = null;
  let count = 0;
  for (const line of lines.slice(start + 1)) {
    if (/^[^\s#-]/.test(line)) break; // the next top-level key
    const item = /^(\s*)-(\s|$)/.exec(line);
    if (!item) continue;
    indent ??= item[1];
    if (item[1] === indent && ++count > MAX_IMAGES) break;
  }
  return count;
}

/** Items of the flow sequence `text` starts with: commas at depth 1, outside quotes and comments. */
function flowItems(text: string): number {
  let depth = 0;
  let count = 1;
  for (let i = 0; i < text.length && count <= MAX_IMAGES; i++) {
    const c = text[i];
    if (c === '"' || c === "'") i = closingQuote(text, i);
    else if (c === '#' && /\s/.test(text[i - 1] ?? ' ')) i = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      if (--depth === 0) break;
    } else if (c === ',' && depth === 1) count++;
  }
  return count;
}

function closingQuote(text: string, open: number): number {
  const quote = text[open];
  for (let i = open + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return text.length;
}

const DURATION = /^(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$/;

/** `timeout:` as seconds (a number or "90") or a duration ("10m", "1h30m", "90s"); positive, at most 24 h. */
export const timeoutSchema = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const seconds = typeof value === 'number' ? value : secondsOf(value.trim());
    if (seconds === null) {
      ctx.addIssue({ code: 'custom', message: 'must be seconds (a number) or a duration like "90s", "10m" or "1h"' });
      return z.NEVER;
    }
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
      ctx.addIssue({ code: 'custom', message: `must be more than 0 and at most ${MAX_TIMEOUT_SECONDS} seconds (24h)` });
      return z.NEVER;
    }
    return Math.ceil(seconds);
  });

function secondsOf(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  const match = DURATION.exec(text);
  if (!text || !match) return null;
  const [, h = '0', m = '0', s = '0'] = match;
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}
