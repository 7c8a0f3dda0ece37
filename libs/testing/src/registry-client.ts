const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/**
 * Reads a registry over its HTTP API (distribution v2), as a user's `docker pull` would see it:
 * with basic auth when given credentials (the test registry wants them, `testServices().registryCredentials`).
 */
export class RegistryClient {
  private readonly headers: Record<string, string>;

  constructor(
    private readonly host: string,
    credentials?: { username: string; password: string },
  ) {
    this.headers = credentials ? { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` } : {};
  }

  async tags(repository: string): Promise<string[]> {
    const res = await fetch(`http://${this.host}/v2/${repository}/tags/list`, { headers: this.headers });
    if (res.status === 404) return [];
    if (!res.ok) throw new Error(`registry answered ${res.status} for ${repository} tags`);
    const body = (await res.json()) as { tags: string[] | null };
    return (body.tags ?? []).sort();
  }

  async digest(repository: string, tag: string): Promise<string | null> {
    const res = await fetch(`http://${this.host}/v2/${repository}/manifests/${tag}`, { method: 'HEAD', headers: { ...this.headers, accept: MANIFEST_TYPES } });
    return res.ok ? res.headers.get('docker-content-digest') : null;
  }
}
