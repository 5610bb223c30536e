/**
 * Organizations: each customer of the portal, with its own Okta, SCIM API key, seats, users, groups and licenses.
 *
 * Storage contract (licenses table, shared by the seat accounting and the organization admin):
 * - organization item: pk `ORG#<orgId>`, sk `ORG`, attributes `orgId`, `name`, `seatLimit` (number; absent means no
 *   limit), `seatsUsed` (number; absent means 0), `plan` (string), `createdAt` (ISO), `gsi1pk` `ORGS`, `gsi1sk` orgId.
 * - a seat is taken with `ADD seatsUsed 1` under the condition `attribute_not_exists(seatLimit) OR seatsUsed < seatLimit`
 *   (with `if_not_exists`), inside the transaction that issues the license; freed with `ADD seatsUsed -1`.
 * The default organization may have no item until its first seat is taken; its limit then comes from configuration.
 */
export interface Organization {
  readonly orgId: string;
  readonly name: string;
  /** Undefined: no limit. */
  readonly seatLimit?: number;
  readonly seatsUsed: number;
  /** The product plan shown to the desktop app when it validates a key. */
  readonly plan?: string;
  readonly createdAt: string;
}

/** Organization ids: lower-case letters, digits and dashes, so they fit in tokens (`scim_<orgId>_…`) and keys. */
export const ORG_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
