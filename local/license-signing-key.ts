import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { SIGNING_KEY_FIELD } from '../lambda/adapters/secret-signing-key-provider';
import { localSecretPath } from './local-secrets';

/** Secret id of the local stack's license signing key (a file in the secrets folder, like the SCIM token). */
export const LOCAL_SIGNING_KEY_SECRET_ID = 'local/license-signing-key';

/**
 * The license signing secret of a local stack or test run, created once with 256 random bits and kept: every license
 * key is derived from it, so replacing it would invalidate the keys already emailed.
 */
export function ensureLocalSigningKey(secretsDir: string, secretId: string = LOCAL_SIGNING_KEY_SECRET_ID): string {
  const path = localSecretPath(secretsDir, secretId);
  if (existsSync(path)) return path;
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const value = { [SIGNING_KEY_FIELD]: randomBytes(32).toString('base64url') };
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return path;
}
