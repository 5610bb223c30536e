import type { AdminClient } from './admin-client';

/** The shapes every admin command shares: parsed flags, where it acts, what it prints. */

/** A mistake in the command line itself: answered with the usage text and exit code 2. */
export class UsageError extends Error {}

export interface Values {
  readonly name?: string;
  readonly seats?: string;
  readonly id?: string;
  readonly org?: string;
  readonly 'grace-hours'?: string;
  readonly user?: string;
  readonly since?: string;
  readonly 'include-failed'?: boolean;
  readonly tier?: string;
  readonly plan?: string;
  /** `plans set`: each `--group` names one group (displayName or id). */
  readonly group?: readonly string[];
  readonly rank?: string;
  readonly local?: boolean;
  readonly json?: boolean;
  readonly stack?: string;
  readonly region?: string;
  readonly url?: string;
  readonly help?: boolean;
}

/** What a command produced: one JSON object, and the same for people. */
export interface Outcome {
  readonly json: Record<string, unknown>;
  readonly text: string;
}

/** Every command acts through the admin API, deployed or local: the same requests either way. */
export interface Target {
  /** Where the commands act, for progress lines: "the local stack on port 8080" or "stack X in eu-west-1". */
  readonly description: string;
  readonly api: AdminClient;
  /** How to attach rotation to a secret that has none (shown after `org create` when it could not be attached). */
  readonly rotationHint: string;
}

export type Progress = (line: string) => void;

/** One admin command: its flags, and a run that calls the admin API and shapes the answer for print. */
export interface Command {
  readonly required: readonly (keyof Values)[];
  readonly optional: readonly (keyof Values)[];
  run(target: Target, values: Values, progress: Progress): Promise<Outcome>;
}
