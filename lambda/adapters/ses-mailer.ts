import {
  BadRequestException,
  MessageRejected,
  SESv2Client,
  SendEmailCommand,
  type SendEmailCommandInput,
} from '@aws-sdk/client-sesv2';
import { type Mailer, type OutgoingEmail, PermanentDeliveryError } from '../domain/license-mail';

export interface SesMailerOptions {
  /** A verified SES identity (or an address of a verified domain). */
  readonly senderEmail: string;
  /** Records bounces and complaints. @default none */
  readonly configurationSetName?: string;
}

/** Header carrying the license event, so a duplicate is recognisable in any mailbox or mail log. */
export const EVENT_ID_HEADER = 'X-License-Event-Id';

/** Sends through SES v2 SendEmail with a simple (subject, HTML, text) message. */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly options: SesMailerOptions,
  ) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    const input: SendEmailCommandInput = {
      FromEmailAddress: this.options.senderEmail,
      Destination: { ToAddresses: [email.to] },
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
          Headers: [{ Name: EVENT_ID_HEADER, Value: email.eventId }],
        },
      },
      EmailTags: Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value: tagValue(Value) })),
      ...(this.options.configurationSetName ? { ConfigurationSetName: this.options.configurationSetName } : {}),
    };
    try {
      const result = await this.client.send(new SendEmailCommand(input));
      return { messageId: result.MessageId ?? '' };
    } catch (error) {
      // Rejections of this message (bad address, suppressed or, in the sandbox, unverified recipient) fail the same
      // way on every retry; anything else (throttling, outages, paused sending) is worth retrying.
      if (error instanceof MessageRejected || error instanceof BadRequestException) {
        throw new PermanentDeliveryError(`SES refused the message: ${error.name}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
}

/** SES tag values allow letters, digits, `_`, `-`, `.` and `@`. */
function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_.@-]/g, '_').slice(0, 256) || '_';
}

export function createSesClient(options: { endpoint?: string; region?: string } = {}): SESv2Client {
  return new SESv2Client({
    endpoint: options.endpoint,
    region: options.region,
    maxAttempts: 3,
    // An unreachable endpoint must fail fast enough to leave time for the retry within one invocation.
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
  });
}
