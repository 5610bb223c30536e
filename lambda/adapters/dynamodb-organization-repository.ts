import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { IndexNames } from '../contract/tables';
import { isThrottleTier, type ThrottleSlot, type ThrottleTier } from '../contract/throttle-tiers';
import {
  type Organization,
  OrganizationExistsError,
  type OrganizationGate,
  type OrganizationGateReader,
  type OrganizationRepository,
} from '../domain/organizations';
import { queryAll } from './dynamodb-operations';

/** Partition of the index that lists every organization. */
const ORGS_PARTITION = 'ORGS';

/**
 * Organizations in the licenses table, as documented in `lambda/domain/organizations.ts`: item `ORG#<orgId>` / `ORG`,
 * listed through the `byOrg` index under `ORGS`. `seatsUsed` belongs to the seat accounting, so this adapter never
 * writes it after creation.
 */
export class DynamoOrganizationRepository implements OrganizationRepository, OrganizationGateReader {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async create(organization: Organization): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...key(organization.orgId), ...indexKeys(organization.orgId), ...organization }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new OrganizationExistsError(`organization ${organization.orgId} already exists`, { cause: error });
      }
      throw error;
    }
  }

  async get(orgId: string): Promise<Organization | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(key(orgId)), ConsistentRead: true }),
    );
    return result.Item ? fromItem(result.Item) : undefined;
  }

  async list(): Promise<Organization[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      IndexName: IndexNames.byOrg,
      KeyConditionExpression: 'gsi1pk = :orgs',
      ExpressionAttributeValues: { ':orgs': { S: ORGS_PARTITION } },
    });
    return items.map(fromItem);
  }

  /**
   * Reads only what the authorizer needs; an organization without an item (the default one before it is configured)
   * is enabled and has no slot of its own.
   */
  async gateOf(orgId: string): Promise<OrganizationGate> {
    const result = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(key(orgId)),
        ProjectionExpression: 'scimDisabledAt, throttleTier, throttleSlot',
        ConsistentRead: true,
      }),
    );
    const item = unmarshall(result.Item ?? {});
    const tier = item.throttleTier;
    return {
      scimEnabled: item.scimDisabledAt === undefined,
      ...(isThrottleTier(tier) && typeof item.throttleSlot === 'number'
        ? { throttleSlot: { tier, slot: item.throttleSlot } }
        : {}),
    };
  }

  setSeatLimit(
    orgId: string,
    seatLimit: number | undefined,
    createAs?: Pick<Organization, 'name' | 'createdAt'>,
  ): Promise<Organization | undefined> {
    return this.setOrRemove(orgId, 'seatLimit', seatLimit, createAs);
  }

  setScimDisabled(
    orgId: string,
    disabledAt: string | undefined,
    createAs?: Pick<Organization, 'name' | 'createdAt'>,
  ): Promise<Organization | undefined> {
    return this.setOrRemove(orgId, 'scimDisabledAt', disabledAt, createAs);
  }

  /** Sets one attribute (undefined removes it) of an existing item, or of a new one with `createAs`. */
  private async setOrRemove(
    orgId: string,
    attribute: 'seatLimit' | 'scimDisabledAt',
    value: number | string | undefined,
    createAs?: Pick<Organization, 'name' | 'createdAt'>,
  ): Promise<Organization | undefined> {
    const names: Record<string, string> = { '#attribute': attribute };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    if (value !== undefined) {
      sets.push('#attribute = :value');
      values[':value'] = value;
    }
    if (createAs) addCreateAs({ sets, names, values }, orgId, createAs);
    const update = [
      ...(sets.length > 0 ? [`SET ${sets.join(', ')}`] : []),
      ...(value === undefined ? ['REMOVE #attribute'] : []),
    ].join(' ');
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(key(orgId)),
          UpdateExpression: update,
          ConditionExpression: createAs ? undefined : 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: Object.keys(values).length > 0 ? marshall(values) : undefined,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes ? fromItem(result.Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async delete(orgId: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: marshall(key(orgId)) }));
  }

  async takenThrottleSlots(tier: ThrottleTier): Promise<ReadonlySet<number>> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :tier',
      ExpressionAttributeValues: { ':tier': { S: slotPartition(tier) } },
      ConsistentRead: true,
    });
    return new Set(items.map((item) => Number(item.slot?.N)));
  }

  async claimThrottleSlot(slot: ThrottleSlot, orgId: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...slotKey(slot), tier: slot.tier, slot: slot.slot, orgId }),
          ConditionExpression: 'attribute_not_exists(pk) OR orgId = :orgId',
          ExpressionAttributeValues: { ':orgId': { S: orgId } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async setThrottleSlot(
    orgId: string,
    slot: ThrottleSlot,
    createAs?: Pick<Organization, 'name' | 'createdAt'>,
  ): Promise<Organization | undefined> {
    const sets = ['throttleTier = :tier', 'throttleSlot = :slot'];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':tier': slot.tier, ':slot': slot.slot };
    if (createAs) addCreateAs({ sets, names, values }, orgId, createAs);
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(key(orgId)),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: createAs ? undefined : 'attribute_exists(pk)',
          ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
          ExpressionAttributeValues: marshall(values),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes ? fromItem(result.Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async releaseThrottleSlot(slot: ThrottleSlot, orgId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall(slotKey(slot)),
          ConditionExpression: 'orgId = :orgId',
          ExpressionAttributeValues: { ':orgId': { S: orgId } },
        }),
      );
    } catch (error) {
      // Already released, or never ours: nothing to give back.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

function slotPartition(tier: ThrottleTier): string {
  return `THROTTLE#${tier}`;
}

function slotKey({ tier, slot }: ThrottleSlot): { pk: string; sk: string } {
  return { pk: slotPartition(tier), sk: `SLOT#${String(slot).padStart(3, '0')}` };
}

function key(orgId: string): { pk: string; sk: string } {
  return { pk: `ORG#${orgId}`, sk: 'ORG' };
}

function indexKeys(orgId: string): { gsi1pk: string; gsi1sk: string } {
  return { gsi1pk: ORGS_PARTITION, gsi1sk: orgId };
}

function fromItem(item: Record<string, AttributeValue>): Organization {
  const value = unmarshall(item);
  // The seat accounting may create an organization's item with nothing but its counter: the key still names it.
  const orgId = typeof value.orgId === 'string' ? value.orgId : String(value.pk).slice('ORG#'.length);
  return {
    orgId,
    name: typeof value.name === 'string' ? value.name : orgId,
    ...(typeof value.seatLimit === 'number' ? { seatLimit: value.seatLimit } : {}),
    seatsUsed: typeof value.seatsUsed === 'number' ? value.seatsUsed : 0,
    ...(typeof value.plan === 'string' ? { plan: value.plan } : {}),
    createdAt: typeof value.createdAt === 'string' ? value.createdAt : '',
    ...(isThrottleTier(value.throttleTier) && typeof value.throttleSlot === 'number'
      ? { throttleSlot: { tier: value.throttleTier, slot: value.throttleSlot } }
      : {}),
    ...(typeof value.scimDisabledAt === 'string' ? { scimDisabledAt: value.scimDisabledAt } : {}),
  };
}

/**
 * The parts of an update that create a missing organization item: only what the item lacks is filled in, so an
 * existing item keeps its name and creation time.
 */
function addCreateAs(
  update: { sets: string[]; names: Record<string, string>; values: Record<string, unknown> },
  orgId: string,
  createAs: Pick<Organization, 'name' | 'createdAt'>,
): void {
  Object.assign(update.names, { '#orgId': 'orgId', '#name': 'name', '#createdAt': 'createdAt' });
  update.sets.push(
    '#orgId = :orgId',
    '#name = if_not_exists(#name, :name)',
    '#createdAt = if_not_exists(#createdAt, :createdAt)',
    'gsi1pk = :orgs',
    'gsi1sk = :orgId',
  );
  Object.assign(update.values, {
    ':orgId': orgId,
    ':name': createAs.name,
    ':createdAt': createAs.createdAt,
    ':orgs': ORGS_PARTITION,
  });
}
