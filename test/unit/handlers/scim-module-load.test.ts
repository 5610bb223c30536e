/**
 * Loading the SCIM function's module is Lambda's INIT phase of every cold start: it builds no zod schema (a schema is
 * built the first time a request needs it), so a function that serves reads never builds the input schemas.
 */
const built: string[] = [];

jest.mock('zod', () => {
  const actual = jest.requireActual('zod');
  const counting =
    (name: string, make: (...args: unknown[]) => unknown) =>
    (...args: unknown[]) => {
      built.push(name);
      return make(...args);
    };
  return {
    ...actual,
    object: counting('object', actual.object),
    string: counting('string', actual.string),
    preprocess: counting('preprocess', actual.preprocess),
    union: counting('union', actual.union),
  };
});

describe('SCIM function module load', () => {
  it('builds no zod schema', async () => {
    await import('../../../lambda/handlers/scim');

    expect(built).toEqual([]);
  });

  it('builds the schemas a request needs when it first needs them, once', async () => {
    const { parsePatchRequest } = await import('../../../lambda/scim/patch');
    const patch = { Operations: [{ op: 'replace', path: 'title', value: 'x' }] };

    parsePatchRequest(patch);
    const first = built.length;
    parsePatchRequest(patch);

    expect(first).toBeGreaterThan(0);
    expect(built).toHaveLength(first);
  });
});
