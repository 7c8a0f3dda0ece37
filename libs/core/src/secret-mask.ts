/** What a secret becomes wherever Drydock shows text: logs, build errors, status descriptions, API answers. */
export const SECRET_MASK = '***';

/**
 * `text` with every secret replaced by `***`. A multi-line secret (a PEM key) is masked line
 * by line, and longer secrets go first, so one that contains another is masked whole.
 */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const parts = [...new Set(secrets.flatMap((s) => s.split(/\r?\n/)).filter((s) => s.trim().length > 0))];
  let masked = text;
  for (const secret of parts.sort((a, b) => b.length - a.length)) masked = masked.split(secret).join(SECRET_MASK);
  return masked;
}
