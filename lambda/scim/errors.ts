import { ERROR_SCHEMA } from '../contract/http';
/** SCIM error types of RFC 7644 section 3.12. */
export type ScimErrorType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  /** RFC 9865: a cursor this server did not issue, or no longer recognises. */
  | 'invalidCursor';

export { ERROR_SCHEMA };

/**
 * An error the client can fix (or must be told about), answered as a SCIM error body.
 * `detail` is shown to the Okta admin in its task list, so it says what to do.
 */
export class ScimError extends Error {
  /** Headers the status requires (`Allow` on 405). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimErrorType,
    options?: { cause?: unknown; headers?: Readonly<Record<string, string>> },
  ) {
    super(detail, options);
    this.name = 'ScimError';
    this.headers = options?.headers ?? {};
  }

  static badRequest(scimType: ScimErrorType, detail: string): ScimError {
    return new ScimError(400, detail, scimType);
  }

  static notFound(detail: string): ScimError {
    return new ScimError(404, detail);
  }

  toBody(): ScimErrorBody {
    return scimErrorBody(this.status, this.detail, this.scimType);
  }
}

export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  status: string;
  detail: string;
  scimType?: ScimErrorType;
}

export function scimErrorBody(status: number, detail: string, scimType?: ScimErrorType): ScimErrorBody {
  return {
    schemas: [ERROR_SCHEMA],
    status: String(status),
    ...(scimType ? { scimType } : {}),
    detail,
  };
}
