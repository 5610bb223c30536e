/**
 * `npm run admin -- <command>`: organizations, their SCIM API keys, seats and license emails, against a deployed stack
 * (AWS credentials and the stack's outputs) or, with `--local`, the local stack of `npm start`.
 */
import { main } from '../cli/main';

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
