/** What happens to a line before anyone sees it: secrets masked, the log capped. */

export const MASK = '***';

/**
 * Secrets as masked per line: a multi-line secret (a PEM key) is masked line by line,
 * and longer secrets go first so one that contains another is masked whole.
 */
export function secretsToMask(secrets: readonly string[]): string[] {
  const lines = secrets.flatMap((s) => s.split(/\r?\n/)).filter((s) => s.trim().length > 0);
  return [...new Set(lines)].sort((a, b) => b.length - a.length);
}

export function maskSecrets(line: string, secrets: readonly string[]): string {
  let masked = line;
  for (const secret of secrets) masked = masked.split(secret).join(MASK);
  return masked;
}

/** The log kept in memory, up to `maxBytes` (UTF-8, newlines included), then one truncation line. */
export class CappedLog {
  private readonly lines: string[] = [];
  private bytes = 0;
  private truncated = false;

  constructor(private readonly maxBytes: number) {}

  /** Returns what to publish for `line`: itself, the truncation marker (once), or nothing. */
  add(line: string): string[] {
    if (this.truncated) return [];
    const size = Buffer.byteLength(line) + 1;
    if (this.bytes + size <= this.maxBytes) {
      this.lines.push(line);
      this.bytes += size;
      return [line];
    }
    this.truncated = true;
    const marker = `[drydock] log truncated at ${this.maxBytes} bytes`;
    this.lines.push(marker);
    return [marker];
  }

  text(): string {
    return joinLines(this.lines);
  }
}

/** Lines -> log text: each line ends with a newline. */
export const joinLines = (lines: readonly string[]): string => lines.map((l) => `${l}\n`).join('');

/** Log text -> lines, the inverse of joinLines. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
