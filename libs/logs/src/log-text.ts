/** What happens to a line before anyone sees it (after masking, see maskPrepared in @drydock/core): the log capped, split and joined. */

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
