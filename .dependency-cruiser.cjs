/**
 * The layering of the code base as rules, run by `npm run lint:layers` (part of `npm test`).
 * See README "Code layout" for what each folder does and does not do.
 */
module.exports = {
  forbidden: [
    {
      name: 'lambda-is-self-contained',
      comment: 'Lambda code is deployed on its own: it never imports the CDK app, the local stack, entry points, tests or the bench.',
      severity: 'error',
      from: { path: '^lambda/' },
      to: { path: '^(lib|bin|local|test|bench|cli)/' },
    },
    {
      name: 'contract-imports-nothing',
      comment: 'lambda/contract is read by CDK and by every Lambda: it holds values only, no imports of its own.',
      severity: 'error',
      from: { path: '^lambda/contract/' },
      to: { pathNot: '^lambda/contract/' },
    },
    {
      name: 'protocol-and-domain-free-of-aws',
      comment: 'lambda/domain, lambda/scim and lambda/admin hold rules, not infrastructure: AWS SDKs, CDK and Lambda types belong in adapters and handlers.',
      severity: 'error',
      from: { path: '^lambda/(domain|scim|admin)/' },
      to: { path: '(^|/)node_modules/(@aws-sdk|@smithy|aws-cdk-lib|aws-lambda|@aws-lambda-powertools|@middy|constructs)/' },
    },
    {
      name: 'protocol-and-domain-depend-inwards',
      comment: 'The domain and the protocols define ports; adapters, handlers and wiring implement and compose them.',
      severity: 'error',
      from: { path: '^lambda/(domain|scim|admin)/' },
      to: { path: '^lambda/(adapters|handlers|wiring)/' },
    },
    {
      name: 'domain-ignores-protocol',
      comment: 'Use cases do not know SCIM or the admin API: the protocol layers call the domain, never the other way round.',
      severity: 'error',
      from: { path: '^lambda/domain/' },
      to: { path: '^lambda/(scim|admin)/' },
    },
    {
      name: 'adapters-do-not-call-handlers',
      severity: 'error',
      from: { path: '^lambda/adapters/' },
      to: { path: '^lambda/(handlers|wiring)/' },
    },
    {
      name: 'cdk-reads-only-the-contract',
      comment: 'The CDK app shares values with the Lambda code through lambda/contract only (handlers are bundled by path).',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^lambda/', pathNot: '^lambda/contract/' },
    },
    {
      name: 'nothing-imports-entry-points',
      comment: 'bin/ holds entry points only; what they share lives in lib/, local/ or cli/.',
      severity: 'error',
      from: { path: '^(lambda|lib|local|cli|bench)/' },
      to: { path: '^bin/' },
    },
    {
      name: 'cli-without-cdk',
      comment: 'The admin command line must start fast: it never loads aws-cdk-lib.',
      severity: 'error',
      from: { path: '^(cli/|bin/admin\\.ts$)' },
      to: { path: '(^lib/|(^|/)node_modules/aws-cdk-lib/)' },
    },
    {
      name: 'cli-through-the-admin-api',
      comment:
        'Every admin command goes through the admin API (one code path for the portal and the command line): the CLI ' +
        'reads no table and no secret itself, so it needs neither the adapters, the wiring nor their AWS clients.',
      severity: 'error',
      from: { path: '^(cli/|bin/admin\\.ts$)' },
      to: {
        path: '(^lambda/(adapters|wiring|handlers)/|(^|/)node_modules/@aws-sdk/(client-dynamodb|client-secrets-manager|lib-dynamodb|util-dynamodb)/)',
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(cdk\\.out|\\.local|coverage)/' },
  },
};
