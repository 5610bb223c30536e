/**
 * `npm run openapi`: writes the admin API's OpenAPI 3.1 document (generated from its zod schemas) to openapi.json,
 * or to the path given, for the portal team's client generator. The deployed API serves the same at /admin/openapi.json.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openApiDocument } from '../lambda/admin/openapi';

if (require.main === module) {
  const target = resolve(process.argv[2] ?? 'openapi.json');
  writeFileSync(target, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
  console.log(`wrote ${target}`);
}
