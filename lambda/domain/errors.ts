/** Errors the domain raises for conditions a caller can act on. The protocol layer maps them to SCIM errors. */
export class DomainError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A unique attribute (userName, displayName) is already taken in the organization. */
export class UniquenessError extends DomainError {}

/** The resource does not exist in the organization. */
export class NotFoundError extends DomainError {}

/** The resource changed since it was read (optimistic concurrency); the caller may re-read and retry. */
export class VersionConflictError extends DomainError {}

/** The client's precondition (If-Match) does not hold. */
export class PreconditionFailedError extends DomainError {}

/** The organization's license seats are all taken. */
export class SeatLimitError extends DomainError {}

/** A referenced resource (e.g. a group member) does not exist. */
export class InvalidReferenceError extends DomainError {}

/** A value is too long to be stored or looked up (DynamoDB's key limits); the message names the attribute and limit. */
export class ValueTooLongError extends DomainError {}

/** A dependency (the database) is throttling or unreachable: the same request can succeed later. */
export class DependencyUnavailableError extends DomainError {}
