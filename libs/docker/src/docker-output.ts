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

/** What docker said when a registry failed a push, pull or login, and whether trying again may help. */
export interface RegistryProblem {
  /** The registry's own message as docker relays it (`received unexpected HTTP status: 503 Service Unavailable`). */
  message: string;
  /**
   * True when the registry (or the way to it) failed on its side and may come back: a 5xx, a
   * connection refused or reset, EOF, a timeout, a name that does not resolve yet, 429. False
   * when it answered and refused (401 unauthorized, 403 denied, no credentials, manifest unknown
   * or invalid, …): asking again gets the same answer.
   */
  transient: boolean;
}

/** Progress lines of `docker push`, `docker pull` and `docker login`: never the error itself. */
const REGISTRY_PROGRESS = /^(The push refers to repository |Using default tag|Digest: |Status: |WARNING! |Login Succeeded|[^\s:]+: Pulling from )/;
const TRANSIENT_REGISTRY = [
  /\b(status:?|HTTP) 5\d\d\b/i, // received unexpected HTTP status: 503 …; login … failed with status: 502 …; error parsing HTTP 500 response body
  /\b429\b|toomanyrequests/i,
  /connection refused|connection reset|broken pipe|\bEOF\b|no route to host|network is unreachable|no such host|server misbehaving|temporary failure in name resolution/i,
  /timeout|timed out|deadline exceeded/i, // i/o timeout, TLS handshake timeout, Client.Timeout exceeded while awaiting headers
];

/**
 * Reads the failure of a `docker push`, `docker pull` (by digest) or `docker login` from its
 * output (the last line that is not progress); see `RegistryProblem`.
 */
export function registryProblem(lines: readonly string[]): RegistryProblem {
  const meaningful = lines.map((l) => l.trim()).filter((l) => l !== '' && !REGISTRY_PROGRESS.test(l) && !/^[0-9a-f]{12}: /.test(l));
  const message = (meaningful.at(-1) ?? '(no output)').replace(/^Error response from daemon: /, '');
  return { message, transient: TRANSIENT_REGISTRY.some((pattern) => pattern.test(message)) };
}

/** The manifest digest `docker pull` reports (`Digest: sha256:…`). */
export function pulledDigest(lines: readonly string[]): string | null {
  const match = lines.findLast((l) => /^Digest: sha256:[0-9a-f]{64}\b/.test(l))?.match(/sha256:[0-9a-f]{64}/);
  return match ? match[0] : null;
}

/**
 * Passes `docker push` / `pull` output on to `onLog`, but of docker's own per-layer countdown
 * (`1880f5a4f02d: Retrying in 5 seconds`, then 4, 3, … every second) only the line that starts
 * each wait.
 */
export function withoutRetryCountdown(onLog: (line: string) => void): (line: string) => void {
  const waiting = new Map<string, number>();
  return (line) => {
    const countdown = /^([0-9a-f]{12}): Retrying in (\d+) seconds?$/.exec(line);
    if (countdown) {
      const [, layer, seconds] = countdown;
      const previous = waiting.get(layer);
      waiting.set(layer, Number(seconds));
      if (previous !== undefined && Number(seconds) < previous) return;
    }
    onLog(line);
  };
}
