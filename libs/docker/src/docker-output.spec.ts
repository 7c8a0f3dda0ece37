import { describe, expect, it } from '@jest/globals';
import { buildFailureSummary, closingLines, engineUnreachable, pushedDigest } from './docker-output.js';

// Captured from /usr/bin/docker 20.10 with DOCKER_BUILDKIT=1 --progress=plain.
const failedRun = `#5 [2/3] RUN echo hello && echo line2
#5 sha256:f2def22198c3e8d55988d7555a0a3de00b7c2d619be437f7534c4d12774f8edd
#5 0.163 hello
#5 DONE 0.2s

#6 [3/3] RUN echo before-fail; echo to-stderr >&2; exit 3
#6 sha256:c61a7bfa8a1cad175d16658da944e1cc67c6dab715c967b270cd813ebc466412
#6 0.303 to-stderr
#6 0.303 before-fail
#6 ERROR: executor failed running [/bin/sh -c echo before-fail; echo to-stderr >&2; exit 3]: exit code: 3
------
 > [3/3] RUN echo before-fail; echo to-stderr >&2; exit 3:
------
executor failed running [/bin/sh -c echo before-fail; echo to-stderr >&2; exit 3]: exit code: 3`.split('\n');

const syntaxError = `#2 [internal] load .dockerignore
#2 transferring context: 2B done
#2 DONE 0.0s
failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 2: unknown instruction: FOO`.split('\n');

describe('buildFailureSummary', () => {
  it('names the failing step, its error and its last output lines', () => {
    expect(buildFailureSummary(failedRun)).toBe(
      [
        '[3/3] RUN echo before-fail; echo to-stderr >&2; exit 3: executor failed running [/bin/sh -c echo before-fail; echo to-stderr >&2; exit 3]: exit code: 3',
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

  it('falls back to the closing lines when no step failed', () => {
    expect(buildFailureSummary(syntaxError)).toBe(
      'failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 2: unknown instruction: FOO',
    );
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
