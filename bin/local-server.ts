/**
 * `npm start`: the whole service on this machine, no AWS account needed. Configuration comes from the environment:
 * PORT (8080), DYNAMODB_PORT (8000), MAIL_PORT (8005), SCIM_TOKEN (generated once when unset), DATA_DIR (.local),
 * SEATS (the default organization's seat limit; none when unset), PRODUCT_NAME, SUPPORT_EMAIL and EMAIL_TEMPLATES_DIR
 * (the license emails' branding, as the CDK context gives it).
 */
import { LOCAL_EVENTS_PATH } from '../local/local-event-bus';
import { type LocalStack, localStackSettingsFromEnv, startLocalStack } from '../local/local-stack';

function banner(stack: LocalStack): string {
  const tokenNote = {
    environment: '(from SCIM_TOKEN)',
    stored: `(kept in ${stack.paths.tokenFile})`,
    generated: `(generated, kept in ${stack.paths.tokenFile})`,
  }[stack.tokenSource];
  return [
    '',
    'SCIM service running locally',
    `  SCIM base URL  ${stack.scimBaseUrl}`,
    `  API token      ${stack.token}  ${tokenNote}`,
    `  Data           ${stack.paths.dataDir}`,
    `  Mail viewer    ${stack.mailViewerUrl}  (license emails sent; JSON at /store)`,
    `  License events ${stack.api.url}${LOCAL_EVENTS_PATH}  (what the EventBridge bus would get)`,
    `  Validate keys  POST ${stack.api.url}/licenses/validate  {"licenseKey": "…"}`,
    `  Emails         ${stack.config.productName ?? 'License Portal'}, ${stack.settings.emailTemplatesDir ? `templates from ${stack.settings.emailTemplatesDir}` : 'built-in templates (set EMAIL_TEMPLATES_DIR for your own)'}`,
    `  Seats          ${stack.settings.seats === undefined ? 'no limit (set SEATS to limit)' : `${stack.settings.seats} for the default organization`}`,
    '',
    'Try it:',
    `  curl -H 'Authorization: Bearer ${stack.token}' '${stack.scimBaseUrl}/Users?startIndex=1&count=10'`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const settings = localStackSettingsFromEnv();
  const stack = await startLocalStack({ ...settings, log: (line) => console.log(line) });

  let stopping: Promise<void> | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    console.log(`\n${signal}: stopping the local stack`);
    stopping = stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('could not stop cleanly:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('SIGHUP', shutdown);

  console.log(banner(stack));
}

main().catch((error: unknown) => {
  // Our own errors already say what to do (which variable to change, what to install); a stack trace would bury it.
  const message = error instanceof Error ? error.message : String(error);
  console.error(`npm start failed: ${message}`);
  if (process.env.DEBUG && error instanceof Error) console.error(error.stack);
  process.exit(1);
});
