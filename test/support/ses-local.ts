import { findFreePort } from '../../local/ports';
import { readSesStore, SES_LOCAL_MARKER, type StoredEmail, startSesLocal } from '../../local/ses-local';
import type { TestEmulator } from './global-setup';

/** aws-ses-v2-local for the jest run: the SES endpoint every test file shares, exported as `SES_ENDPOINT`. */
export const sesLocalEmulator: TestEmulator = {
  name: 'ses',
  marker: SES_LOCAL_MARKER,
  async start() {
    const ses = await startSesLocal({ port: await findFreePort() });
    return { pid: ses.pid, env: { SES_ENDPOINT: ses.endpoint }, stop: () => ses.stop() };
  },
};

/** The shared emulator of this jest run, started by the global setup. */
export function sesEndpoint(): string {
  const endpoint = process.env.SES_ENDPOINT;
  if (!endpoint) {
    throw new Error('SES_ENDPOINT is not set: run the tests through jest, whose global setup starts aws-ses-v2-local');
  }
  return endpoint;
}

/** Emails sent to `address` (test files share the emulator, so each uses its own recipients). */
export async function emailsTo(endpoint: string, address: string): Promise<StoredEmail[]> {
  const emails = await readSesStore(endpoint);
  return emails.filter((email) => email.destination.to.some((to) => to.toLowerCase() === address.toLowerCase()));
}

/** Waits until `address` has received at least `count` emails, and returns them. */
export async function waitForEmails(
  endpoint: string,
  address: string,
  count: number,
  timeoutMs = 15_000,
): Promise<StoredEmail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const emails = await emailsTo(endpoint, address);
    if (emails.length >= count) return emails;
    if (Date.now() > deadline) {
      throw new Error(`${address} received ${emails.length} of ${count} expected emails within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The value of a header of a stored email. */
export function headerOf(email: StoredEmail, name: string): string | undefined {
  return email.headers?.find((header) => header.name.toLowerCase() === name.toLowerCase())?.value;
}
