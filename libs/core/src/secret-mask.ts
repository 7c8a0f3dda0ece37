/** What a secret becomes wherever Drydock shows text: logs, build errors, status descriptions, API answers. */
export const SECRET_MASK = '***';

/**
 * Secrets as they are masked: a multi-line secret (a PEM key) line by line, and longer ones
 * first, so one that contains another is masked whole. Prepare once where many lines are masked.
 */
export function secretsToMask(secrets: readonly string[]): string[] {
  const lines = secrets.flatMap((s) => s.split(/\r?\n/)).filter((s) => s.trim().length > 0);
  return [...new Set(lines)].sort((a, b) => b.length - a.length);
}

/** `text` with every prepared secret (see `secretsToMask`) replaced by `***`. */
export function maskPrepared(text: string, prepared: readonly string[]): string {
  let masked = text;
  for (const secret of prepared) masked = masked.split(secret).join(SECRET_MASK);
  return masked;
}

/** `text` with every secret replaced by `***`. */
export const maskSecrets = (text: string, secrets: readonly string[]): string => maskPrepared(text, secretsToMask(secrets));
