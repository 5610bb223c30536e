import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { NotFoundError } from '../domain/errors';
import type { GroupRef } from '../domain/groups';
import {
  type PlanCatalog,
  type PlanDefinition,
  type PlanRepository,
  type PlanState,
  planInUseError,
} from '../domain/plans';
import { GROUP_PREFIX, groupKey, mirrorPartition } from './dynamodb-group-items';
import { orgItemKey, PLAN_SK_PREFIX, planItemKey } from './dynamodb-license-writes';
import { batchGet, queryAll } from './dynamodb-operations';

/**
 * Plans in the licenses table, next to their organization's item (`ORG#<orgId>`): plan `PLAN#<name>` with `rank`,
 * `groups` (a list of displayNames or ids), `seatLimit` (absent: none) and `seatsUsed` (taken and freed by the
 * `plan.seat` writes of dynamodb-license-writes.ts). One consistent query of the partition reads the default plan (the
 * organization's `plan`) and every plan.
 */
export class DynamoPlanRepository implements PlanRepository {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async catalog(orgId: string): Promise<PlanCatalog> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: `ORG#${orgId}` } },
      ConsistentRead: true,
    });
    let defaultPlan: string | undefined;
    const plans: PlanState[] = [];
    for (const raw of items) {
      const item = unmarshall(raw);
      if (item.sk === 'ORG' && typeof item.plan === 'string') defaultPlan = item.plan;
      if (typeof item.sk === 'string' && item.sk.startsWith(PLAN_SK_PREFIX)) plans.push(planFromItem(item));
    }
    plans.sort((a, b) => b.rank - a.rank);
    return { plans, ...(defaultPlan !== undefined ? { defaultPlan } : {}) };
  }

  async putPlan(orgId: string, plan: PlanDefinition): Promise<PlanState> {
    const result = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: planItemKey(orgId, plan.name),
        UpdateExpression:
          `SET orgId = :org, #name = :name, #rank = :rank, #groups = :groups, seatsUsed = if_not_exists(seatsUsed, :zero)` +
          (plan.seatLimit === undefined ? ' REMOVE seatLimit' : ', seatLimit = :limit'),
        ExpressionAttributeNames: { '#name': 'name', '#rank': 'rank', '#groups': 'groups' },
        ExpressionAttributeValues: {
          ':org': { S: orgId },
          ':name': { S: plan.name },
          ':rank': { N: String(plan.rank) },
          ':groups': { L: plan.groups.map((group) => ({ S: group })) },
          ':zero': { N: '0' },
          ...(plan.seatLimit === undefined ? {} : { ':limit': { N: String(plan.seatLimit) } }),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return planFromItem(unmarshall(result.Attributes ?? {}));
  }

  async setDefaultPlan(orgId: string, plan: string | undefined): Promise<void> {
    // Like a seat take, this may create the default organization's item: it gets its id and list position.
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: orgItemKey(orgId),
        UpdateExpression:
          'SET orgId = if_not_exists(orgId, :org), gsi1pk = if_not_exists(gsi1pk, :orgs), ' +
          'gsi1sk = if_not_exists(gsi1sk, :org)' +
          (plan === undefined ? ' REMOVE #plan' : ', #plan = :plan'),
        ExpressionAttributeNames: { '#plan': 'plan' },
        ExpressionAttributeValues: {
          ':org': { S: orgId },
          ':orgs': { S: 'ORGS' },
          ...(plan === undefined ? {} : { ':plan': { S: plan } }),
        },
      }),
    );
  }

  async deletePlan(orgId: string, plan: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: planItemKey(orgId, plan),
          // The seat count is the condition: a seat taken at the same moment either commits first (and this fails) or
          // finds the plan gone (its own condition fails).
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(seatsUsed) OR seatsUsed <= :zero)',
          ExpressionAttributeValues: { ':zero': { N: '0' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (!error.Item) throw new NotFoundError(`plan ${plan} not found`, { cause: error });
      throw planInUseError(plan, Number(error.Item.seatsUsed?.N ?? 0));
    }
  }
}

function planFromItem(item: Record<string, unknown>): PlanState {
  return {
    name: String(item.name),
    rank: Number(item.rank ?? 0),
    groups: Array.isArray(item.groups) ? item.groups.map(String) : [],
    ...(typeof item.seatLimit === 'number' ? { seatLimit: item.seatLimit } : {}),
    seatsUsed: Number(item.seatsUsed ?? 0),
  };
}

/**
 * The groups a user belongs to, from the strongly consistent mirror items under the user (not the eventually
 * consistent index the SCIM `groups` attribute reads): what a plan is computed from must include a membership that
 * committed a moment ago.
 */
export async function consistentGroupsOfUser(
  client: DynamoDBClient,
  groupsTable: string,
  orgId: string,
  userId: string,
): Promise<GroupRef[]> {
  const mirrors = await queryAll(client, {
    TableName: groupsTable,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :group)',
    ExpressionAttributeValues: { ':pk': { S: mirrorPartition(orgId, userId) }, ':group': { S: GROUP_PREFIX } },
    ProjectionExpression: 'groupId',
    ConsistentRead: true,
  });
  const groupIds = mirrors.flatMap((item) => (item.groupId?.S ? [item.groupId.S] : []));
  if (groupIds.length === 0) return [];
  const groups = await batchGet(
    client,
    groupsTable,
    groupIds.map((id) => groupKey(orgId, id)),
    { ProjectionExpression: 'id, displayName', ConsistentRead: true },
  );
  // A group missing here was deleted (its memberships are being purged): it gives no plan.
  return groups.flatMap((item) =>
    item.id?.S && item.displayName?.S ? [{ id: item.id.S, displayName: item.displayName.S }] : [],
  );
}
