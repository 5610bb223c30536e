import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretReader } from '../lambda/domain/tokens';

/** The local stack's secrets: one JSON file per secret id in a folder, so tokens survive restarts without AWS. */
export class FileSecretReader implements SecretReader {
  constructor(private readonly directory: string) {}

  async read(secretId: string): Promise<string | undefined> {
    try {
      return await readFile(secretFilePath(this.directory, secretId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

export function secretFilePath(directory: string, secretId: string): string {
  return join(directory, `${encodeURIComponent(secretId)}.json`);
}
