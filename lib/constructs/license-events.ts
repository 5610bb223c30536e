import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { encodeEnvironment } from '../../lambda/contract/environment';
import { LICENSE_EVENT_SOURCE, LICENSE_EVENT_STREAM_PATTERNS } from '../../lambda/contract/license-events';
import { ServiceFunction } from './service-function';

export interface LicenseEventsProps {
  /** The licenses table; its stream carries the license items and activity records the events come from. */
  readonly table: dynamodb.ITable;
  /** Table names and the default organization, as every handler reads them (`configFromEnv`). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Days the bus's archive keeps the license events, so a consumer can replay what it missed.
   * @default 30
   */
  readonly archiveDays?: number;
}

/**
 * License events for the vendor's other systems: an EventBridge bus of its own (consumers add rules on it), and the
 * publisher, a function on the licenses table's stream that turns license items and activity records into events
 * (lambda/contract/license-events.ts). The SCIM path never waits for it. Records the publisher cannot publish after
 * its retries are described in an encrypted dead-letter queue; the stream keeps records 24 hours.
 */
export class LicenseEvents extends Construct {
  readonly bus: events.EventBus;
  readonly function: ServiceFunction;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: LicenseEventsProps) {
    super(scope, id);

    // A bus holds no data beyond the archive, which is replay convenience: nothing to retain with the stack.
    this.bus = new events.EventBus(this, 'Bus', {
      description: `License events (source ${LICENSE_EVENT_SOURCE}): issued, revoked, deprovisioned, seats, email feedback`,
    });
    this.bus.archive('Archive', {
      description: 'License events kept for replay',
      eventPattern: { source: [LICENSE_EVENT_SOURCE] },
      retention: Duration.days(props.archiveDays ?? 30),
    });

    this.function = new ServiceFunction(this, 'Publisher', {
      entry: path.join(__dirname, '..', '..', 'lambda', 'handlers', 'license-events.ts'),
      description: 'Publishes license events from the licenses table stream to the license events bus',
      timeout: Duration.seconds(30),
      environment: {
        ...props.environment,
        ...encodeEnvironment({ eventBusName: this.bus.eventBusName, serviceName: 'license-events' }),
      },
    });
    this.bus.grantPutEventsTo(this.function);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue (on-failure destination) of the license events stream mapping; a DLQ needs no DLQ of its own.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams (added by the stream event source mapping) and the X-Ray writes have no resource-level permissions; reading the stream itself is limited to the licenses table stream.',
    });
    this.function.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 1000,
        maxRecordAge: Duration.hours(12),
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: LICENSE_EVENT_STREAM_PATTERNS.map((pattern) =>
          lambda.FilterCriteria.filter(pattern as unknown as Record<string, unknown>),
        ),
      }),
    );
  }
}
