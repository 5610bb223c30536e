import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  type TransactWriteItem,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { membershipItems } from '../../lambda/adapters/dynamodb-group-repository';
import { transactWrite } from '../../lambda/adapters/dynamodb-transactions';
import { userItem } from '../../lambda/adapters/dynamodb-user-repository';
import { uuidV7 } from '../../lambda/domain/clock';
import { parseUser } from '../../lambda/scim/user-resource';

/**
 * Writes `count` active users straight into the users table, 100 per transaction, in the repository's own item
 * layout. Creating thousands of users one request at a time would dominate a large-group test or benchmark on
 * DynamoDB Local. It skips the userName claims, the user count and licensing: only for seeding member lists.
 */
export async function seedUsers(options: {
  readonly dynamo: DynamoDBClient;
  readonly usersTable: string;
  readonly orgId: string;
  readonly count: number;
  /** userNames are `<prefix>.<index>@example.com`. */
  readonly prefix: string;
}): Promise<string[]> {
  const { dynamo, usersTable, orgId, count, prefix } = options;
  const created = new Date().toISOString();
  const ids: string[] = [];
  for (let start = 0; start < count; start += 100) {
    const items: TransactWriteItem[] = [];
    for (let index = start; index < Math.min(count, start + 100); index++) {
      const id = uuidV7();
      const userName = `${prefix}.${index}@example.com`;
      const profile = parseUser({
        userName,
        name: { givenName: 'Seeded', familyName: `Member ${index}` },
        emails: [{ value: userName, type: 'work', primary: true }],
      });
      ids.push(id);
      items.push({
        Put: {
          TableName: usersTable,
          Item: userItem({ ...profile, orgId, id, version: 1, created, lastModified: created }),
        },
      });
    }
    await transactWrite(dynamo, items);
  }
  return ids;
}

/**
 * Writes memberships of `userIds` in group `groupId` straight into the groups table (BatchWriteItem, several in
 * flight), in the repository's own item layout. Leaves the group's version alone: only for seeding big groups.
 */
export async function seedMemberships(options: {
  readonly dynamo: DynamoDBClient;
  readonly groupsTable: string;
  readonly orgId: string;
  readonly groupId: string;
  readonly userIds: readonly string[];
}): Promise<void> {
  const { dynamo, groupsTable, orgId, groupId, userIds } = options;
  const items = userIds.flatMap((userId) => membershipItems(orgId, groupId, { userId }));
  const batches: Record<string, AttributeValue>[][] = [];
  for (let start = 0; start < items.length; start += 25) batches.push(items.slice(start, start + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let pending: WriteRequest[] = (batches[next++] ?? []).map((Item) => ({ PutRequest: { Item } }));
      while (pending.length > 0) {
        const result = await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [groupsTable]: pending } }));
        pending = result.UnprocessedItems?.[groupsTable] ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}
