import { type AttributeValue, type DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { IndexNames } from '../contract/tables';
import type { LicenseLookup, LicenseReader, LicenseRecord, SeatUsage } from '../domain/licenses';
import {
  keyLookupPartition,
  LICENSE_SK_PREFIX,
  licenseFromItem,
  orgItemKey,
  userLicensesPartition,
} from './dynamodb-license-writes';

/** Reads of the licenses table: the policy's (active license, seats) and the validation lookup. */
export class DynamoLicenseRepository implements LicenseReader, LicenseLookup {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async activeLicenseOf(orgId: string, userId: string): Promise<LicenseRecord | undefined> {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          FilterExpression: '#status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pk': { S: userLicensesPartition(orgId, userId) },
            ':prefix': { S: LICENSE_SK_PREFIX },
            ':active': { S: 'active' },
          },
          // Newest first: the active license, if any, is the last one issued.
          ScanIndexForward: false,
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      const item = result.Items?.[0];
      if (item) return licenseFromItem(unmarshall(item));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return undefined;
  }

  async seatUsage(orgId: string): Promise<SeatUsage> {
    const org = await this.organization(orgId);
    const used = Number(org?.seatsUsed ?? 0);
    const limit = org?.seatLimit;
    return { used, ...(typeof limit === 'number' ? { limit } : {}) };
  }

  /**
   * The index maps a key hash to its license item (that mapping never changes); the item itself is then read
   * consistently, so a revocation counts from the moment its transaction committed.
   */
  async findByKeyHash(keyHash: string): Promise<{ license: LicenseRecord; plan?: string } | undefined> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: IndexNames.lookup,
        KeyConditionExpression: 'gsi2pk = :key',
        ExpressionAttributeValues: { ':key': { S: keyLookupPartition(keyHash) } },
        ProjectionExpression: 'pk, sk, orgId',
        Limit: 1,
      }),
    );
    const hit = result.Items?.[0];
    if (!hit?.pk || !hit.sk) return undefined;
    const [license, org] = await Promise.all([
      this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: { pk: hit.pk, sk: hit.sk }, ConsistentRead: true }),
      ),
      hit.orgId?.S ? this.organization(hit.orgId.S) : Promise.resolve(undefined),
    ]);
    if (!license.Item) return undefined;
    const plan = org?.plan;
    return { license: licenseFromItem(unmarshall(license.Item)), ...(typeof plan === 'string' ? { plan } : {}) };
  }

  private async organization(orgId: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: orgItemKey(orgId), ConsistentRead: true }),
    );
    return result.Item ? unmarshall(result.Item) : undefined;
  }
}
