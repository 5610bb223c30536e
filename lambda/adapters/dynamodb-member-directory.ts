import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { MemberDirectory } from '../domain/groups';
import { userItemKey } from './dynamodb-group-items';
import { batchGet } from './dynamodb-operations';

/**
 * The users a group may refer to, read from the users table: one BatchGetItem per 100 ids, strongly consistent.
 * Reads the user items the user repository writes (`userKey`, `userName`, `document`).
 */
export class DynamoMemberDirectory implements MemberDirectory {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly usersTableName: string,
  ) {}

  async findUsers(orgId: string, userIds: readonly string[]): Promise<ReadonlyMap<string, { display?: string }>> {
    const items = await batchGet(
      this.client,
      this.usersTableName,
      [...new Set(userIds)].map((id) => userItemKey(orgId, id)),
      {
        ProjectionExpression: 'id, userName, #document',
        ExpressionAttributeNames: { '#document': 'document' },
        ConsistentRead: true,
      },
    );
    const found = new Map<string, { display?: string }>();
    for (const item of items) {
      const id = item.id?.S;
      if (id === undefined) continue;
      const display = displayNameOf(item.document?.S) ?? item.userName?.S;
      found.set(id, display === undefined ? {} : { display });
    }
    return found;
  }
}

function displayNameOf(document: string | undefined): string | undefined {
  if (document === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(document);
    const name = (parsed as { displayName?: unknown } | null)?.displayName;
    return typeof name === 'string' && name.trim() !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}
