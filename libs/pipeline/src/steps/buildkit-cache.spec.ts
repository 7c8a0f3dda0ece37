import { describe, expect, it } from '@jest/globals';
import { BuildKitCacheCounter } from './buildkit-cache.js';

describe('BuildKitCacheCounter', () => {
  const count = (lines: string[]) => {
    const counter = new BuildKitCacheCounter();
    for (const line of lines) counter.see(line);
    return counter.result();
  };

  it('counts the Dockerfile instructions BuildKit took from its cache, FROM aside', () => {
    expect(
      count([
        '#1 [internal] load build definition from Dockerfile',
        '#1 DONE 0.0s',
        '#4 [1/3] FROM docker.io/library/busybox:latest',
        '#4 CACHED',
        '#5 [2/3] RUN echo built > /built',
        '#5 CACHED',
        '#6 [build 3/3] RUN make',
        '#6 0.21 make: building',
        '#6 DONE 1.2s',
        '#7 exporting to image',
        '#7 CACHED',
      ]),
    ).toEqual({ cached: 1, steps: 2 });
  });

  it('does not count what a build prints that looks like BuildKit', () => {
    expect(count(['#5 [2/2] RUN echo hi', '#5 0.1 #9 CACHED', '#5 0.1 #5 [1/1] fake', '#5 DONE 0.1s'])).toEqual({ cached: 0, steps: 1 });
  });

  it('knows nothing when BuildKit showed no instruction', () => {
    expect(count(['some other output'])).toBeNull();
  });
});
