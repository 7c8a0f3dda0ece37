import { describe, expect, it } from '@jest/globals';
import {
  buildFailureSummary,
  buildkitVersionOf,
  closingLines,
  engineUnreachable,
  pulledDigest,
  pushedDigest,
  registryProblem,
  withoutRetryCountdown,
} from './docker-output.js';

// Captured from `docker buildx build --progress=plain` (buildx 0.13.1, Docker Engine 26.1.5).
const failedRun = `#5 [2/3] RUN echo hello && echo line2
#5 0.606 hello
#5 0.606 line2
#5 DONE 0.7s

#6 [3/3] RUN echo before-fail; echo to-stderr >&2; exit 3
#6 0.376 to-stderr
#6 0.377 before-fail
#6 ERROR: process "/bin/sh -c echo before-fail; echo to-stderr >&2; exit 3" did not complete successfully: exit code: 3
------
 > [3/3] RUN echo before-fail; echo to-stderr >&2; exit 3:
0.376 to-stderr
0.377 before-fail
------
Dockerfile:3
--------------------
   1 |     FROM busybox:latest
   2 |     RUN echo hello && echo line2
   3 | >>> RUN echo before-fail; echo to-stderr >&2; exit 3
   4 |     
--------------------
ERROR: failed to solve: process "/bin/sh -c echo before-fail; echo to-stderr >&2; exit 3" did not complete successfully: exit code: 3`.split('\n');

const syntaxError = `#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 65B done
#1 DONE 0.0s
Dockerfile:2
--------------------
   1 |     FROM busybox:latest
   2 | >>> FOO bar
   3 |     
--------------------
ERROR: failed to solve: dockerfile parse error on line 2: unknown instruction: FOO (did you mean FROM?)`.split('\n');

// `docker buildx inspect default` on Debian 13's docker.io 26.1.5 (its BuildKit carries no version).
const inspectDebian = `Name:          default
Driver:        docker
Last Activity: 2026-12-03 16:54:35 +0000 UTC

Nodes:
Name:             default
Endpoint:         default
Status:           running
BuildKit version: v0.0.0+unknown
Platforms:        linux/amd64, linux/amd64/v2`;

describe('buildFailureSummary', () => {
  it('names the failing step, its error and its last output lines', () => {
    expect(buildFailureSummary(failedRun)).toBe(
      [
        '[3/3] RUN echo before-fail; echo to-stderr >&2; exit 3: process "/bin/sh -c echo before-fail; echo to-stderr >&2; exit 3" did not complete successfully: exit code: 3',
        '  to-stderr',
        '  before-fail',
      ].join('\n'),
    );
  });

  it('keeps only the last lines of a chatty step', () => {
    const chatty = ['#7 [2/2] RUN make', ...Array.from({ length: 40 }, (_, i) => `#7 1.${i} line ${i}`), '#7 ERROR: exit code: 2'];
    const summary = buildFailureSummary(chatty).split('\n');
    expect(summary[0]).toBe('[2/2] RUN make: exit code: 2');
    expect(summary.slice(1)).toEqual(Array.from({ length: 15 }, (_, i) => `  line ${i + 25}`));
  });

  it('falls back to the closing lines when no step failed: the Dockerfile excerpt and the error', () => {
    expect(buildFailureSummary(syntaxError).split('\n')).toEqual([
      'Dockerfile:2',
      '   1 |     FROM busybox:latest',
      '   2 | >>> FOO bar',
      '   3 |     ',
      'ERROR: failed to solve: dockerfile parse error on line 2: unknown instruction: FOO (did you mean FROM?)',
    ]);
  });
});

describe('pushedDigest', () => {
  it('reads the digest docker push reports', () => {
    const lines = [
      'The push refers to repository [localhost:5000/probe/bb]',
      '6f42b5529ce3: Preparing',
      '6f42b5529ce3: Mounted from t/x',
      't1: digest: sha256:0b091bf1e08cc9dab0f7bf5e274c260527cfe707839a6c31527da8de219283d7 size: 527',
    ];
    expect(pushedDigest(lines)).toBe('sha256:0b091bf1e08cc9dab0f7bf5e274c260527cfe707839a6c31527da8de219283d7');
    expect(pushedDigest(lines.slice(0, 3))).toBeNull();
  });
});

describe('engineUnreachable and closingLines', () => {
  it('tells an unreachable engine from a failing command', () => {
    expect(engineUnreachable(["failed to dial gRPC: cannot connect to the Docker daemon. Is 'docker daemon' running on this host?"])).toBe(true);
    expect(engineUnreachable(['Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?'])).toBe(true);
    expect(engineUnreachable(['Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused'])).toBe(false);
  });

  it('skips layer progress when quoting a failed push', () => {
    const lines = ['The push refers to repository [127.0.0.1:5999/a/b]', '6f42b5529ce3: Preparing', '', 'Get "http://127.0.0.1:5999/v2/": connection refused'];
    expect(closingLines(lines, 2)).toBe('The push refers to repository [127.0.0.1:5999/a/b]\nGet "http://127.0.0.1:5999/v2/": connection refused');
  });
});

describe('buildkitVersionOf', () => {
  it("reads the builder's BuildKit version from docker buildx inspect", () => {
    expect(buildkitVersionOf(inspectDebian)).toBe('v0.0.0+unknown');
    expect(buildkitVersionOf(inspectDebian.replace('v0.0.0+unknown', 'v0.13.2'))).toBe('v0.13.2');
    expect(buildkitVersionOf('Name: b\nNodes:\nName: b0\nBuildkit:  v0.10.6\n')).toBe('v0.10.6');
  });

  it('is null when the output has no version', () => {
    expect(buildkitVersionOf('Name: default\nDriver:\nError: Cannot connect to the Docker daemon')).toBeNull();
  });
});

// Captured from docker 26.1.5 (the test engine) pushing to, pulling from and logging in to
// registries that failed on purpose: nothing listening, plain and registry-JSON 5xx answers, a
// server closing or resetting connections, one that never answers, and the test registry
// (htpasswd) without or with wrong credentials, or refusing one request with a 4xx.
const pushOf = (...tail: string[]) => ['The push refers to repository [localhost:20001/acme/app]', '1880f5a4f02d: Preparing', '5fd60104e2a8: Preparing', ...tail];
const retrying = ['1880f5a4f02d: Retrying in 5 seconds', '5fd60104e2a8: Retrying in 5 seconds', '1880f5a4f02d: Retrying in 1 second', '1880f5a4f02d: Retrying in 20 seconds'];

describe('registryProblem', () => {
  it.each([
    ['nothing listening', ['The push refers to repository [localhost:19999/acme/app]', 'Get "http://localhost:19999/v2/": dial tcp 127.0.0.1:19999: connect: connection refused']],
    ['a 503 on every request', pushOf(...retrying, 'received unexpected HTTP status: 503 Service Unavailable')],
    ['a 500 with a registry error body', pushOf(...retrying, 'received unexpected HTTP status: 500 Internal Server Error')],
    ['a 502 from a proxy on blob upload', pushOf('5fd60104e2a8: Layer already exists', ...retrying, 'received unexpected HTTP status: 502 Bad Gateway')],
    ['a 503 on the manifest', pushOf('1880f5a4f02d: Pushed', '5fd60104e2a8: Pushed', 'received unexpected HTTP status: 503 Service Unavailable')],
    ['the connection closed at once', ['The push refers to repository [localhost:20003/acme/app]', 'Get "http://localhost:20003/v2/": EOF']],
    ['the connection closed on the manifest', pushOf('1880f5a4f02d: Pushed', 'Put "http://localhost:20013/v2/acme/app/manifests/t": EOF')],
    ['the connection closed on blob upload', pushOf('5fd60104e2a8: Layer already exists', 'EOF')],
    ['the registry gone in the middle', pushOf('dial tcp 127.0.0.1:20012: connect: connection refused')],
    ['the connection reset', ['The push refers to repository [localhost:20004/acme/app]', 'Get "http://localhost:20004/v2/": read tcp 127.0.0.1:49254->127.0.0.1:20004: read: connection reset by peer']],
    ['no answer', ['The push refers to repository [localhost:20005/acme/app]', 'Get "http://localhost:20005/v2/": net/http: request canceled (Client.Timeout exceeded while awaiting headers)']],
    ['a pull answered 503', ['Error response from daemon: received unexpected HTTP status: 503 Service Unavailable']],
    ['a pull from nothing listening', ['Error response from daemon: Get "http://localhost:19999/v2/": dial tcp 127.0.0.1:19999: connect: connection refused']],
    ['a login answered 503', ['Error response from daemon: login attempt to http://localhost:20001/v2/ failed with status: 503 Service Unavailable']],
  ])('retries %s', (_, lines) => {
    expect(registryProblem(lines).transient).toBe(true);
  });

  it.each([
    ['no credentials', pushOf('no basic auth credentials')],
    ['a pull without credentials', ['Error response from daemon: Get "http://localhost:15000/v2/pushlab/app/manifests/sha256:8666d4a8be7daa05a1d890de9d6652080a0d8b1a5cc6f3ebdaa734b48e5dfc1f": no basic auth credentials']],
    ['a wrong password', ['Error response from daemon: login attempt to http://localhost:15000/v2/ failed with status: 401 Unauthorized']],
    ['denied', pushOf('5fd60104e2a8: Layer already exists', ...retrying, 'denied')],
    ['denied, as Docker Hub says it', pushOf('denied: requested access to the resource is denied')],
    ['an invalid manifest', pushOf('1880f5a4f02d: Pushed', 'manifest invalid: manifest invalid')],
    ['an unknown digest', ['Error response from daemon: manifest for localhost:15000/pushlab/app@sha256:0000000000000000000000000000000000000000000000000000000000000000 not found: manifest unknown: manifest unknown']],
    ['an image that is not there to push', ['The push refers to repository [localhost:20005/acme/app]', 'An image does not exist locally with the tag: localhost:20005/acme/app']],
  ])('does not retry %s', (_, lines) => {
    expect(registryProblem(lines).transient).toBe(false);
  });

  it("quotes the registry's own message, not docker's progress or framing", () => {
    expect(registryProblem(pushOf(...retrying, 'received unexpected HTTP status: 503 Service Unavailable')).message).toBe('received unexpected HTTP status: 503 Service Unavailable');
    expect(registryProblem(['Error response from daemon: received unexpected HTTP status: 503 Service Unavailable']).message).toBe(
      'received unexpected HTTP status: 503 Service Unavailable',
    );
    expect(registryProblem(['The push refers to repository [x/y]', '']).message).toBe('(no output)');
  });
});

describe('pulledDigest', () => {
  it('reads the digest docker pull reports', () => {
    const digest = 'sha256:8666d4a8be7daa05a1d890de9d6652080a0d8b1a5cc6f3ebdaa734b48e5dfc1f';
    const lines = [
      `localhost:15000/pushlab/app@${digest}: Pulling from pushlab/app`,
      '15fcf40c2f9e: Already exists',
      `Digest: ${digest}`,
      `Status: Downloaded newer image for localhost:15000/pushlab/app@${digest}`,
      `localhost:15000/pushlab/app@${digest}`,
    ];
    expect(pulledDigest(lines)).toBe(digest);
    expect(pulledDigest(lines.slice(0, 2))).toBeNull();
  });
});

describe('withoutRetryCountdown', () => {
  it("keeps the line that starts each of docker's waits, not the countdown", () => {
    const seen: string[] = [];
    const onLog = withoutRetryCountdown((line) => seen.push(line));
    const countdown = (layer: string, from: number) => Array.from({ length: from }, (_, i) => `${layer}: Retrying in ${from - i} second${from - i === 1 ? '' : 's'}`);
    for (const line of ['1880f5a4f02d: Preparing', ...countdown('1880f5a4f02d', 5), ...countdown('1880f5a4f02d', 10), '1880f5a4f02d: Pushed']) onLog(line);
    expect(seen).toEqual(['1880f5a4f02d: Preparing', '1880f5a4f02d: Retrying in 5 seconds', '1880f5a4f02d: Retrying in 10 seconds', '1880f5a4f02d: Pushed']);
  });
});
