import { EventBridgePublisher, PublishFailedError } from '../../lambda/adapters/eventbridge-publisher';
import { LICENSE_EVENT_TYPES } from '../../lambda/contract/license-events';
import type { LicenseEvent } from '../../lambda/domain/license-events';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local';
import { type MotoServer, motoUnavailableReason, startMoto } from '../support/moto';

/** The PutEvents adapter against moto_server's EventBridge: batches of 10, refusals as errors. */

const unavailable = motoUnavailableReason();

function issued(index: number): LicenseEvent {
  return {
    detailType: LICENSE_EVENT_TYPES.licenseIssued,
    detail: {
      eventId: `acme/lic-${index}/issued`,
      orgId: 'acme',
      occurredAt: '2026-11-29T10:00:00.000Z',
      licenseId: `lic-${index}`,
      userId: `user-${index}`,
      keyHint: 'AB12',
    },
  };
}

if (unavailable) {
  test('EventBridge publisher against moto_server: not run here', () => {
    console.warn(`EventBridge publisher tests not run: ${unavailable}`);
    expect(unavailable).toContain('moto_server');
  });
} else {
  describe('EventBridge publisher (moto_server)', () => {
    let moto: MotoServer;
    const publisher = (eventBusName: string) =>
      new EventBridgePublisher({
        eventBusName,
        region: LOCAL_REGION,
        endpoint: moto.endpoint,
        credentials: LOCAL_CREDENTIALS,
      });

    beforeAll(async () => {
      moto = await startMoto();
    });

    afterAll(async () => {
      await moto?.stop();
    });

    it('puts more events than one call takes, in calls of at most ten', async () => {
      // moto, like EventBridge, answers ValidationException to a call of more than ten entries.
      const events = Array.from({ length: 23 }, (_, index) => issued(index));

      await expect(publisher('default').publish(events)).resolves.toBeUndefined();
    });

    it('fails naming the error when the bus does not exist, so the stream batch is retried', async () => {
      const failure = publisher('no-such-bus').publish([issued(1)]);

      await expect(failure).rejects.toThrow(PublishFailedError);
      await expect(failure).rejects.toThrow('PutEvents failed (400): ResourceNotFoundException');
    });
  });
}
