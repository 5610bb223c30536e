import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The newest Node.js LTS that Lambda runs; the esbuild target must follow it. */
export const SERVICE_RUNTIME = lambda.Runtime.NODEJS_24_X;
const ESBUILD_TARGET = 'node24';

export interface ServiceFunctionProps {
  /** Absolute path of the handler's TypeScript file. */
  readonly entry: string;
  /**
   * Exported handler function name.
   * @default 'handler'
   */
  readonly handler?: string;
  /**
   * Names and ARNs the handler needs; never secret values.
   * @default - only the defaults of this construct
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default - no description */
  readonly description?: string;
  /**
   * Memory also buys CPU on Lambda: 512 MB keeps cold starts of a bundled SDK short.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Kept well below API Gateway's 29 s integration timeout so a stuck call ends as a Lambda error we can log.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Concurrent executions reserved for (and capping) this function, so one tenant's flood of slow requests cannot
   * take every execution of the account. Deploys fail when the account's quota leaves too little unreserved.
   * @default - no reservation: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Identifiers esbuild replaces with constants in the bundle (its `define`): data too large for the environment.
   * @default - none
   */
  readonly define?: Readonly<Record<string, string>>;
}

/**
 * A Lambda function with every project default: Node.js LTS on ARM64, a minified esbuild bundle with source maps and
 * the AWS SDK inside it, active tracing, and its own log group with a retention period.
 * Functions differ only in entry, environment and the `grant*()` calls made on this construct.
 */
export class ServiceFunction extends Construct implements iam.IGrantable {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      // Logs are operational data, not a record we must keep once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An own role instead of AWSLambdaBasicExecutionRole: that managed policy may write to every log group.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${this.node.path}`,
    });
    this.logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: props.handler ?? 'handler',
      description: props.description,
      runtime: SERVICE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      role,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.CJS,
        target: ESBUILD_TARGET,
        minify: true,
        sourceMap: true,
        // Stack traces only need file and line; embedding sources would double the bundle.
        sourcesContent: false,
        // Bundle the AWS SDK: a pinned, tree-shaken copy instead of whatever version the runtime ships.
        externalModules: [],
        // The ES module builds of the AWS SDK tree-shake far better than its CommonJS ones: about half the bundle.
        mainFields: ['module', 'main'],
        define: props.define ? { ...props.define } : undefined,
      },
    });
    this.grantPrincipal = this.function.grantPrincipal;

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which have no resource-level permissions.',
    });
  }
}
