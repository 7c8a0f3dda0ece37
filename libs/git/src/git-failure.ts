/**
 * Git's messages for a remote that could not be reached or failed on its side (nothing listening,
 * a reset or empty reply, a 5xx, a name that does not resolve, a transfer that stalled or was cut):
 * what may pass by itself, unlike a repository or ref that is not there or credentials refused.
 */
const NETWORK_FAILURES = [
  /Failed to connect to|Couldn't connect to server|Connection refused|Connection reset|Connection timed out|Operation timed out|Empty reply from server/i,
  /The requested URL returned error: 5\d\d|RPC failed; HTTP 5\d\d/i,
  /Could not resolve host|Temporary failure in name resolution/i,
  /early EOF|the remote end hung up unexpectedly|transfer closed with outstanding read data|Operation too slow/i,
];

/** True when git's `message` says the remote was unreachable or failed on its side (see NETWORK_FAILURES). */
export function isNetworkFailure(message: string): boolean {
  return NETWORK_FAILURES.some((pattern) => pattern.test(message));
}
