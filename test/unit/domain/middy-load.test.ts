import { handler } from '../../../lambda/handlers/scim';

describe('scim handler module', () => {
  it('exports a middy-wrapped Lambda handler', () => {
    expect(typeof handler).toBe('function');
    expect(typeof handler.use).toBe('function');
  });
});
