const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** Reads a registry over its HTTP API (distribution v2), as a user's `docker pull` would see it. */
export class RegistryClient {
  constructor(private readonly host: string) {}

  async tags(repository: string): Promise<string[]> {
    const res = await fetch(`http://${this.host}/v2/${repository}/tags/list`);
    if (res.status === 404) return [];
    if (!res.ok) throw new Error(`registry answered ${res.status} for ${repository} tags`);
    const body = (await res.json()) as { tags: string[] | null };
    return (body.tags ?? []).sort();
  }

  async digest(repository: string, tag: string): Promise<string | null> {
    const res = await fetch(`http://${this.host}/v2/${repository}/manifests/${tag}`, { method: 'HEAD', headers: { accept: MANIFEST_TYPES } });
    return res.ok ? res.headers.get('docker-content-digest') : null;
  }
}
