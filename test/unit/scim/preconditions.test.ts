/**
 * Entity tags and preconditions (RFC 7644 §3.14, RFC 9110 §13.1): the tag a client reads in ETag and meta.version is
 * the one it may send back in If-Match and If-None-Match, with or without the weak prefix.
 */
import { ScimError } from '../../../lambda/scim/errors';
import type { HttpRequest } from '../../../lambda/scim/http';
import { checkedId, ifMatch, notModified } from '../../../lambda/scim/preconditions';
import { etag, parseIfMatch } from '../../../lambda/scim/schemas';
import { idAt } from '../../support/contracts/records';

function request(headers: Record<string, string>): HttpRequest {
  return {
    method: 'GET',
    path: '/Users/x',
    query: {},
    headers,
    body: undefined,
    baseUrl: 'b',
    orgId: 'o',
    requestId: 'r',
  };
}

describe('entity tags', () => {
  it('writes a version as a weak tag and reads it back, weak or strong, with blanks around', () => {
    expect(etag(7)).toBe('W/"7"');
    expect(parseIfMatch(etag(7))).toBe(7);
    expect(parseIfMatch('"12"')).toBe(12);
    expect(parseIfMatch('  W/"3"  ')).toBe(3);
  });

  it('reads no requirement from a missing header or *', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch(' * ')).toBeUndefined();
  });

  it.each(['7', 'W/7', '"7', 'W/"x"', '"7" "8"', 'x"7"', '"7"x', '""'])('calls %j invalid', (value) => {
    expect(parseIfMatch(value)).toBe('invalid');
  });
});

describe('If-Match', () => {
  it('gives the version the header names, and nothing without a header', () => {
    expect(ifMatch(request({ 'if-match': 'W/"4"' }))).toEqual({ ifMatch: 4 });
    expect(ifMatch(request({}))).toEqual({});
    expect(ifMatch(request({ 'if-match': '*' }))).toEqual({});
  });

  it('refuses a tag this server did not issue with 412', () => {
    const refuse = () => ifMatch(request({ 'if-match': 'abc' }));

    expect(refuse).toThrow(ScimError);
    expect(refuse).toThrow(
      expect.objectContaining({ status: 412, detail: 'If-Match must be an entity tag returned in meta.version' }),
    );
  });
});

describe('If-None-Match', () => {
  it('matches a version of several digits', () => {
    expect(notModified(request({ 'if-none-match': 'W/"12"' }), 12)?.status).toBe(304);
  });

  it.each(['W/"3"', '"3"', ' * ', '"1", W/"3"', 'W/"2",W/"3"'])('answers 304 to %j at version 3', (header) => {
    expect(notModified(request({ 'if-none-match': header }), 3)).toEqual({
      status: 304,
      headers: { ETag: 'W/"3"' },
      body: '',
    });
  });

  it.each(['W/"2"', '"33"', '3', '"1", "2"', ''])('answers nothing special to %j at version 3', (header) => {
    expect(notModified(request({ 'if-none-match': header }), 3)).toBeUndefined();
  });

  it('answers nothing special without the header', () => {
    expect(notModified(request({}), 3)).toBeUndefined();
  });
});

describe('resource ids', () => {
  it('passes an id this server could have issued', () => {
    expect(checkedId('User', idAt(1))).toBe(idAt(1));
  });

  it('answers 404 naming the type and at most 80 characters of the id', () => {
    const long = 'x'.repeat(200);

    expect(() => checkedId('Group', long)).toThrow(
      expect.objectContaining({ status: 404, detail: `Group ${'x'.repeat(80)} not found` }),
    );
    expect(() => checkedId('User', 'abc')).toThrow(
      expect.objectContaining({ status: 404, detail: 'User abc not found' }),
    );
  });
});
