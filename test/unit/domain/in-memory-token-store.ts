import type { CreatedSecret, RotationSettings, TokenStore } from '../../../lambda/domain/organizations';
import { OrganizationExistsError } from '../../../lambda/domain/organizations';
import { CURRENT, PENDING, type SecretVersionValue } from '../../../lambda/domain/token-rotation';

interface Version {
  value?: string;
  stages: Set<string>;
  createdAt: Date;
}

/** Secrets Manager's versions and staging labels, in memory: a label is on at most one version of a secret. */
export class InMemoryTokenStore implements TokenStore {
  readonly secrets = new Map<string, Map<string, Version>>();
  readonly tags = new Map<string, string>();
  private counter = 0;

  constructor(private readonly now: () => Date = () => new Date('2026-11-28T12:00:00Z')) {}

  /** Seeds a secret with one current version. */
  seed(secretId: string, value: string, versionId = 'v0'): void {
    this.secrets.set(secretId, new Map([[versionId, { value, stages: new Set([CURRENT]), createdAt: this.now() }]]));
  }

  currentValue(secretId: string): string | undefined {
    return this.find(secretId, CURRENT)?.[1].value;
  }

  async readCurrent(secretId: string): Promise<SecretVersionValue | undefined> {
    const found = this.find(secretId, CURRENT);
    if (!found || found[1].value === undefined) return undefined;
    return { versionId: found[0], value: found[1].value, createdAt: found[1].createdAt };
  }

  async readPending(secretId: string, versionId: string): Promise<string | undefined> {
    const version = this.secrets.get(secretId)?.get(versionId);
    return version?.stages.has(PENDING) ? version.value : undefined;
  }

  async stages(secretId: string): Promise<ReadonlyMap<string, readonly string[]>> {
    const versions = this.secrets.get(secretId) ?? new Map<string, Version>();
    return new Map(
      [...versions].filter(([, version]) => version.stages.size > 0).map(([id, version]) => [id, [...version.stages]]),
    );
  }

  async putPending(secretId: string, versionId: string, value: string): Promise<void> {
    this.put(secretId, versionId, value, PENDING);
  }

  async promote(secretId: string, versionId: string, fromVersionId: string): Promise<void> {
    const versions = this.require(secretId);
    const from = versions.get(fromVersionId);
    if (!from?.stages.has(CURRENT)) throw new Error(`${fromVersionId} is not current`);
    from.stages.delete(CURRENT);
    this.requireVersion(versions, versionId).stages.add(CURRENT);
  }

  async createSecret(secretId: string, orgId: string, value: string): Promise<CreatedSecret> {
    if (this.secrets.has(secretId)) throw new OrganizationExistsError(`${secretId} exists`);
    this.seed(secretId, value, `created-${++this.counter}`);
    this.tags.set(secretId, orgId);
    return { rotationAttached: false };
  }

  async rotationSettings(): Promise<RotationSettings> {
    return { rotationEnabled: false };
  }

  private put(secretId: string, versionId: string, value: string, stage: string): void {
    const versions = this.require(secretId);
    const existing = versions.get(versionId);
    if (existing?.value !== undefined && existing.value !== value) throw new Error(`${versionId} exists`);
    for (const version of versions.values()) version.stages.delete(stage);
    const version = existing ?? { stages: new Set<string>(), createdAt: this.now() };
    version.value = value;
    version.stages.add(stage);
    versions.set(versionId, version);
  }

  private find(secretId: string, stage: string): [string, Version] | undefined {
    return [...(this.secrets.get(secretId) ?? [])].find(([, version]) => version.stages.has(stage));
  }

  private require(secretId: string): Map<string, Version> {
    const versions = this.secrets.get(secretId);
    if (!versions) throw new Error(`no secret ${secretId}`);
    return versions;
  }

  private requireVersion(versions: Map<string, Version>, versionId: string): Version {
    const version = versions.get(versionId);
    if (!version) throw new Error(`no version ${versionId}`);
    return version;
  }
}
