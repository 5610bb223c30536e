/**
 * AWS list prices the bench's cost table uses: US East (N. Virginia), USD, no free tier, no savings plans, first
 * pricing tier. Looked up on 2026-11-29; prices change, so each says where it comes from. Where the source is not
 * AWS's own page, it is a page quoting AWS's figure, and AWS's page is named next to it to check against.
 */
export const PRICES_AS_OF = '2026-11-29';

export const PRICES = {
  /**
   * API Gateway REST API, per million requests (first 333 million a month).
   * AWS whitepaper "Best Practices for Designing Amazon API Gateway Private APIs and Private Integration", Table 4,
   * https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html
   * (price page: https://aws.amazon.com/api-gateway/pricing/).
   */
  apiGatewayRestPerMillion: 3.5,
  /**
   * Lambda on Arm (Graviton2), per GB-second of duration (first 7.5 billion GB-s a month), and per million requests.
   * Quoted from https://aws.amazon.com/lambda/pricing/ by https://cloudchipr.com/blog/aws-lambda-pricing
   * ("ARM Pricing: First 7.5 Billion GB-seconds per month: $0.0000133334 per GB-second"; requests $0.20 per 1M).
   * Since August 2025 the INIT phase of on-demand functions is billed as duration too.
   */
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /**
   * DynamoDB on-demand, Standard table class, per million write / read request units (after the November 2024
   * reduction). Quoted from https://aws.amazon.com/dynamodb/pricing/on-demand/ by
   * https://airbyte.com/data-engineering-resources/dynamodb-pricing ("$0.625 per million write request units",
   * "$0.125 per million read request units"). A transactional write costs 2 WRU per KB, a strongly consistent read
   * 1 RRU per 4 KB, an eventually consistent one half of that.
   */
  dynamoDbPerMillionWriteUnits: 0.625,
  dynamoDbPerMillionReadUnits: 0.125,
  /**
   * Secrets Manager, per 10,000 API calls and per secret a month. Quoted from
   * https://aws.amazon.com/secrets-manager/pricing/ by
   * https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms
   * ("$0.40 per secret per month + $0.05 per 10k API calls").
   */
  secretsManagerPer10kCalls: 0.05,
  secretsManagerPerSecretMonth: 0.4,
  /**
   * SES outbound email, per 1,000 emails (attachments and dedicated IPs aside). https://aws.amazon.com/ses/pricing/,
   * quoted by https://www.acecloudinterviews.com/tutorials/aws/ses/ ("starting at $0.10 per thousand emails").
   */
  sesPerThousandEmails: 0.1,
} as const;
