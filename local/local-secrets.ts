import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { secretFilePath } from './file-secret-reader';

/**
 * The local stand-in for Secrets Manager: one JSON file per secret id, at the path the handlers' file secret reader
 * reads, so the two can never disagree.
 */
export const localSecretPath = secretFilePath;

/** The secret value of an organization's SCIM token, in the shape the authorizer reads. */
export interface TokenSecretValue {
  readonly orgId: string;
  readonly token: string;
}

/** Writes a secret readable only by the owner, since it holds a working API key. */
export function writeLocalSecret(secretsDir: string, secretId: string, value: TokenSecretValue): string {
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const path = localSecretPath(secretsDir, secretId);
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  // `mode` only applies when the file is created; an older file keeps its mode otherwise.
  chmodSync(path, 0o600);
  return path;
}

/** 256 bits, URL-safe so it can be pasted into Okta and curl without quoting. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

export type TokenSource = 'environment' | 'stored' | 'generated';

/**
 * The default organization's token: `SCIM_TOKEN` when given, otherwise the one generated on the first start and
 * kept in `tokenFile` (mode 0600), so the value pasted into Okta survives restarts.
 */
export function resolveDefaultToken(
  tokenFile: string,
  fromEnvironment?: string,
): { token: string; source: TokenSource } {
  if (fromEnvironment) return { token: fromEnvironment, source: 'environment' };
  try {
    const stored = readFileSync(tokenFile, 'utf8').trim();
    if (stored) return { token: stored, source: 'stored' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = generateToken();
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  return { token, source: 'generated' };
}
