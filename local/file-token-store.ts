import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Clock, systemClock } from '../lambda/domain/clock';
import {
  type CreatedSecret,
  OrganizationExistsError,
  type RotationSettings,
  type TokenStore,
} from '../lambda/domain/organizations';
import { CURRENT, PENDING, RotationError, type SecretVersionValue } from '../lambda/domain/token-rotation';
import { secretFilePath } from './file-secret-reader';

/** What the local stack keeps beside a secret's value: its current version and a pending one. */
interface VersionsFile {
  readonly current?: { readonly versionId: string; readonly createdAt: string; readonly digest: string };
  readonly pending?: { readonly versionId: string; readonly createdAt: string; readonly value: string };
}

/**
 * The local stack's token secrets, with Secrets Manager's versions imitated on files. The current value lives where
 * the authorizer's FileSecretReader reads it (`<dir>/<encoded id>.json`); version ids, creation times and a pending
 * value live in `<dir>/<encoded id>.versions`, a name no secret's value file can have since those all end in `.json`.
 * Files are replaced by rename, so a concurrent reader sees the old or the new value, never half of one.
 * A value written by something else (the local stack rewrites the default token on start) gets a version id derived
 * from its content and the file's modification time as its creation time.
 */
export class FileTokenStore implements TokenStore {
  constructor(
    private readonly directory: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async readCurrent(secretId: string): Promise<SecretVersionValue | undefined> {
    const value = await readOptional(this.valuePath(secretId));
    if (value === undefined) return undefined;
    const meta = await this.versions(secretId);
    const digest = sha256(value);
    if (meta.current && meta.current.digest === digest) {
      return { versionId: meta.current.versionId, value, createdAt: new Date(meta.current.createdAt) };
    }
    const { mtime } = await stat(this.valuePath(secretId));
    return { versionId: `local-${digest.slice(0, 32)}`, value, createdAt: mtime };
  }

  async readPending(secretId: string, versionId: string): Promise<string | undefined> {
    const { pending } = await this.versions(secretId);
    return pending?.versionId === versionId ? pending.value : undefined;
  }

  async stages(secretId: string): Promise<ReadonlyMap<string, readonly string[]>> {
    const current = await this.readCurrent(secretId);
    const stages = new Map<string, string[]>();
    if (!current) return stages;
    stages.set(current.versionId, [CURRENT]);
    const { pending } = await this.versions(secretId);
    if (pending && pending.versionId !== current.versionId) stages.set(pending.versionId, [PENDING]);
    return stages;
  }

  async putPending(secretId: string, versionId: string, value: string): Promise<void> {
    const meta = await this.versions(secretId);
    if (meta.pending?.versionId === versionId) {
      // Secrets Manager accepts a repeated write of the same version only with the same value.
      if (meta.pending.value !== value) throw new RotationError(`version ${versionId} of ${secretId} already exists`);
      return;
    }
    await this.writeVersions(secretId, {
      ...meta,
      pending: { versionId, createdAt: this.clock.now().toISOString(), value },
    });
  }

  async promote(secretId: string, versionId: string, fromVersionId: string): Promise<void> {
    const current = await this.readCurrent(secretId);
    const { pending } = await this.versions(secretId);
    if (!current || current.versionId !== fromVersionId) {
      throw new RotationError(`version ${fromVersionId} of ${secretId} is not current`);
    }
    if (pending?.versionId !== versionId) throw new RotationError(`version ${versionId} of ${secretId} is not pending`);
    await this.writeValue(secretId, pending.value);
    await this.writeVersions(secretId, {
      current: { versionId, createdAt: pending.createdAt, digest: sha256(pending.value) },
    });
  }

  async createSecret(secretId: string, orgId: string, value: string): Promise<CreatedSecret> {
    const path = this.valuePath(secretId);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    try {
      // `wx` fails when the file exists, so two creations of the same organization cannot both succeed.
      await writeFile(path, value, { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new OrganizationExistsError(`a token secret for ${orgId} already exists in ${this.directory}`, {
          cause: error,
        });
      }
      throw error;
    }
    await this.writeVersions(secretId, {
      current: {
        versionId: `local-${sha256(value).slice(0, 32)}`,
        createdAt: this.clock.now().toISOString(),
        digest: sha256(value),
      },
    });
    return { rotationAttached: false };
  }

  async rotationSettings(_secretId: string): Promise<RotationSettings> {
    // No Secrets Manager locally: rotation happens only through the admin command.
    return { rotationEnabled: false };
  }

  private valuePath(secretId: string): string {
    return secretFilePath(this.directory, secretId);
  }

  private versionsPath(secretId: string): string {
    return this.valuePath(secretId).replace(/\.json$/, '.versions');
  }

  private async versions(secretId: string): Promise<VersionsFile> {
    const raw = await readOptional(this.versionsPath(secretId));
    if (raw === undefined) return {};
    try {
      return JSON.parse(raw) as VersionsFile;
    } catch {
      return {};
    }
  }

  private writeVersions(secretId: string, meta: VersionsFile): Promise<void> {
    return replaceFile(this.versionsPath(secretId), `${JSON.stringify(meta, null, 2)}\n`);
  }

  private writeValue(secretId: string, value: string): Promise<void> {
    return replaceFile(this.valuePath(secretId), value);
  }
}

async function replaceFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await rename(temporary, path);
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
