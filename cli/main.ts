import { ApiProblem } from './admin-client';
import { type Command, type Outcome, type Progress, UsageError, type Values } from './command';
import { parse, USAGE } from './commands';
import { describeFailure } from './output';
import { awsTarget, localTarget } from './targets';

/** `npm run admin -- <command>`: parses, picks the target, runs the command and prints its outcome (exit code 0, 1 or 2). */
export async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const print = (outcome: Outcome) => console.log(json ? JSON.stringify(outcome.json) : outcome.text);
  const fail = (kind: string, message: string, exitCode: number, extra: Record<string, unknown> = {}) => {
    if (json) console.log(JSON.stringify({ error: { kind, message, ...extra } }));
    else console.error(`${exitCode === 2 ? `${USAGE}\n\n` : ''}error: ${message}`);
    return exitCode;
  };

  let parsed: { values: Values; command: Command; name: string };
  try {
    const result = parse(argv);
    if (result === 'help') {
      console.log(USAGE);
      return 0;
    }
    parsed = result;
  } catch (error) {
    // parseArgs appends advice about positionals starting with '-', which only confuses here.
    const message = error instanceof Error ? error.message.split('. To specify a positional')[0]! : String(error);
    return fail('usage', message, 2);
  }

  const progress: Progress = json ? () => {} : (line) => console.error(line);
  try {
    const target = parsed.values.local ? localTarget() : await awsTarget(parsed.values);
    print(await parsed.command.run(target, parsed.values, progress));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return fail('usage', error.message, 2);
    if (error instanceof ApiProblem) {
      // People read the status after the detail; JSON keeps them apart.
      if (!json) return fail('problem', describeFailure(error), 1);
      return fail('problem', error.message, 1, { status: error.status, title: error.title, type: error.type });
    }
    const kind = error instanceof Error ? error.name : 'Error';
    return fail(kind, describeFailure(error), 1);
  }
}
