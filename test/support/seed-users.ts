import type { DynamoDBClient, TransactWriteItem } from '@aws-sdk/client-dynamodb';
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
