import { describe, expect, it } from '@jest/globals';
import { buildFailureSummary, buildkitVersionOf, closingLines, engineUnreachable, pushedDigest } from './docker-output.js';

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
