/** Pure readers of docker CLI output: what failed, and what a push returned. */

const STEP_OUTPUT_LINES = 15;

/**
 * The failing step of a `docker buildx build --progress=plain` run, for an error message:
 * `[3/3] RUN make: <BuildKit's ERROR line>` followed by that step's last output lines.
 * Without a step ERROR (a Dockerfile syntax error, a missing base image), the closing lines.
 */
export function buildFailureSummary(lines: readonly string[]): string {
  const errorLine = lines.findLast((l) => /^#\d+ ERROR: /.test(l));
  if (errorLine === undefined) return closingLines(lines);
  const step = errorLine.slice(0, errorLine.indexOf(' '));
  const error = errorLine.slice(`${step} ERROR: `.length);
  const title = lines.find((l) => l.startsWith(`${step} [`))?.slice(step.length + 1);
  const output = lines
    .filter((l) => l.startsWith(`${step} `) && /^\d+\.\d+ /.test(l.slice(step.length + 1)))
    .map((l) => l.slice(step.length + 1).replace(/^\d+\.\d+ /, ''))
    .slice(-STEP_OUTPUT_LINES);
  const head = title ? `${title}: ${error}` : error;
  return [head, ...output.map((l) => `  ${l}`)].join('\n');
}

/** The manifest digest from `docker push` output (`latest: digest: sha256:… size: 527`). */
export function pushedDigest(lines: readonly string[]): string | null {
  const match = lines.findLast((l) => /\bdigest: sha256:[0-9a-f]{64}\b/.test(l))?.match(/sha256:[0-9a-f]{64}/);
  return match ? match[0] : null;
}

/**
 * The BuildKit version from `docker buildx inspect` ("BuildKit version: v0.13.2"; older
 * buildx print "Buildkit: v0.10.6"), as reported; null when there is none.
 */
export function buildkitVersionOf(inspectOutput: string): string | null {
  const match = inspectOutput.match(/^\s*BuildKit(?: version)?:\s*(\S+)\s*$/im);
  return match ? match[1] : null;
}

/** True when the output says the client never reached the engine. */
export function engineUnreachable(lines: readonly string[]): boolean {
  return lines.some((l) => /cannot connect to the docker daemon|error during connect|failed to dial grpc/i.test(l));
}

/** The last meaningful lines: skips blank lines, BuildKit step lines and per-layer push progress. */
export function closingLines(lines: readonly string[], count = 5): string {
  const meaningful = lines.filter((l) => l.trim() !== '' && !/^-{6,}$/.test(l) && !/^#\d+ /.test(l) && !/^[0-9a-f]{12}: /.test(l));
  return meaningful.slice(-count).join('\n').trim() || '(no output)';
}
