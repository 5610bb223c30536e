import { SIGNING_KEY_FIELD } from '../contract/deployment';
import { MIN_SIGNING_KEY_BYTES, type SigningKeyProvider } from '../domain/license-keys';
import type { SecretReader } from '../domain/tokens';

/** The JSON of the license signing secret: `{"signingKey": "<at least 32 characters>"}`. */
export interface SigningKeySecret {
  readonly signingKey: string;
}

export { SIGNING_KEY_FIELD };

/**
 * Reads the license signing secret through a SecretReader (Secrets Manager on AWS, a file locally) once per
 * container: the secret is never rotated (rotating it would change every key), so there is nothing to refresh.
 * A failed read is not cached, so the next call tries again.
 */
export class SecretSigningKeyProvider implements SigningKeyProvider {
  private pending: Promise<Buffer> | undefined;

  constructor(
    private readonly reader: SecretReader,
    private readonly secretId: string,
  ) {}

  signingKey(): Promise<Buffer> {
    this.pending ??= this.load().catch((error: unknown) => {
      this.pending = undefined;
      throw error;
    });
    return this.pending;
  }

  private async load(): Promise<Buffer> {
    const raw = await this.reader.read(this.secretId);
    if (raw === undefined) throw new Error(`license signing secret ${this.secretId} does not exist`);
    return parseSigningKeySecret(raw);
  }
}

export function parseSigningKeySecret(raw: string): Buffer {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    // The message must not quote the secret.
    throw new Error('the license signing secret is not JSON', {
      cause: error instanceof Error ? error.name : undefined,
    });
  }
  const key = (value as Partial<SigningKeySecret> | null)?.signingKey;
  if (typeof key !== 'string' || Buffer.byteLength(key) < MIN_SIGNING_KEY_BYTES) {
    throw new Error(
      `the license signing secret needs a "${SIGNING_KEY_FIELD}" of at least ${MIN_SIGNING_KEY_BYTES} bytes`,
    );
  }
  return Buffer.from(key, 'utf8');
}
