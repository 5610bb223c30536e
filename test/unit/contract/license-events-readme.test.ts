import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LICENSE_EVENT_SCHEMAS,
  LICENSE_EVENT_TYPES,
  type LicenseEventType,
} from '../../../lambda/contract/license-events';
import { validateAgainstSchema } from '../../support/json-schema';

/** The README's "License events" section documents every detail-type the schemas define, with a valid example. */

const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
const section = readme.split(/^## License events\n/m)[1]?.split(/^## /m)[0] ?? '';
const documented = new Map(
  section
    .split(/^### /m)
    .slice(1)
    .map((part) => {
      const [heading, ...rest] = part.split('\n');
      return [heading?.trim() ?? '', rest.join('\n')] as const;
    }),
);
const COMMON_FIELDS = new Set(['eventId', 'orgId', 'occurredAt']);

describe('README license events', () => {
  it('has one subsection per detail-type, and no other', () => {
    expect([...documented.keys()].sort()).toEqual(Object.values(LICENSE_EVENT_TYPES).sort());
  });

  it.each(Object.values(LICENSE_EVENT_TYPES))(
    '%s: names every field of its schema and gives a valid example',
    (type) => {
      const text = documented.get(type) ?? '';
      const schema = LICENSE_EVENT_SCHEMAS[type as LicenseEventType];
      const example = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(text)?.[1] ?? 'null');

      const fields = Object.keys(schema.properties ?? {}).filter((name) => !COMMON_FIELDS.has(name));
      expect(fields.filter((name) => !text.includes(`\`${name}\``))).toEqual([]);
      expect(validateAgainstSchema(example, schema)).toEqual([]);
    },
  );
});
