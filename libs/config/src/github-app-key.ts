import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * `GITHUB_APP_PRIVATE_KEY` as given: the PEM text (line breaks may be written `\n`, as in a
 * one-line env file), or the path of a file holding it. Answers the key as PKCS#8 PEM (what the
 * JWT signer takes; GitHub hands out PKCS#1), or what is wrong with it: not a readable file,
 * not a private key, not RSA (GitHub signs App JWTs with RS256).
 */
export function readGitHubAppKey(value: string): { pem: string } | { problem: string } {
  let text = value;
  if (!value.includes('-----BEGIN')) {
    try {
      text = readFileSync(value, 'utf8');
    } catch (err) {
      return { problem: `neither PEM text nor a readable file (${(err as Error).message})` };
    }
  }
  try {
    const key = createPrivateKey(text.replace(/\\n/g, '\n'));
    if (key.asymmetricKeyType !== 'rsa') return { problem: `a GitHub App key is RSA, this one is ${key.asymmetricKeyType ?? 'of no known type'}` };
    return { pem: key.export({ type: 'pkcs8', format: 'pem' }).toString() };
  } catch (err) {
    return { problem: `not a PEM private key (${(err as Error).message})` };
  }
}
