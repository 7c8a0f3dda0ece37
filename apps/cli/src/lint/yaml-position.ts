import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

/** A 1-based place in a file. */
export interface Position {
  line: number;
  col: number;
}

/**
 * Where `field` (as ConfigError names it: `images[0].tset`, `services.my.svc.env_file`) is written
 * in the YAML `text`: the key of the last mapping entry or the sequence item the path reaches.
 * A path that goes on past what the file has (a field left out) points at the deepest part found;
 * null when not even its first part is there. Keys may contain dots: the longest key that fits wins.
 */
export function fieldPosition(text: string, field: string): Position | null {
  const lineCounter = new LineCounter();
  let node: unknown = parseDocument(text, { lineCounter }).contents;
  let offset: number | null = null;
  let rest = field;
  while (rest) {
    if (isSeq(node)) {
      const index = /^\[(\d+)\]\.?/.exec(rest);
      const item: unknown = index ? node.items[Number(index[1])] : undefined;
      if (!index || !item || typeof item !== 'object' || !('range' in item)) break;
      offset = (item as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = item;
      rest = rest.slice(index[0].length);
    } else if (isMap(node)) {
      const fits = node.items
        .map((pair) => ({ pair, key: isScalar(pair.key) ? String(pair.key.value) : null }))
        .filter((p): p is typeof p & { key: string } => p.key !== null && (rest === p.key || rest.startsWith(`${p.key}.`) || rest.startsWith(`${p.key}[`)))
        .sort((a, b) => b.key.length - a.key.length)[0];
      if (!fits) break;
      offset = isScalar(fits.pair.key) ? (fits.pair.key.range?.[0] ?? offset) : offset;
      node = fits.pair.value;
      rest = rest.slice(fits.key.length).replace(/^\./, '');
    } else {
      break;
    }
  }
  return offset === null ? null : lineCounter.linePos(offset);
}
