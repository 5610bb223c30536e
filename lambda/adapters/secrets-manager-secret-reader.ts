import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretReader } from '../domain/tokens';

/** Reads the AWSCURRENT version of a secret (explicitly: an unqualified read may return another stage on emulators). */
export class SecretsManagerSecretReader implements SecretReader {
  constructor(private readonly client: SecretsManagerClient = new SecretsManagerClient({})) {}

  async read(secretId: string): Promise<string | undefined> {
    try {
      const result = await this.client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }),
      );
      return result.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }
}
