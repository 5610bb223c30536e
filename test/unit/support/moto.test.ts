import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCi, motoUnavailableReason } from '../../support/moto';

describe('the moto_server requirement of the Secrets Manager tests', () => {
  let emptyDir: string;
  let motoDir: string;

  beforeAll(() => {
    emptyDir = mkdtempSync(join(tmpdir(), 'no-moto-'));
    motoDir = mkdtempSync(join(tmpdir(), 'moto-'));
    writeFileSync(join(motoDir, 'moto_server'), '#!/bin/sh\n', { mode: 0o755 });
  });

  afterAll(() => {
    rmSync(emptyDir, { recursive: true, force: true });
    rmSync(motoDir, { recursive: true, force: true });
  });

  it('lets a developer machine without moto_server skip them with a reason', () => {
    const reason = motoUnavailableReason({ PATH: emptyDir });

    expect(reason).toContain('moto_server is not on PATH');
  });

  it('fails a CI run without moto_server, naming what to install', () => {
    const check = () => motoUnavailableReason({ PATH: emptyDir, CI: 'true' });

    expect(check).toThrow(/moto_server is not on PATH.*pip install "moto\[server\]==5\.2\.1".*under CI/);
  });

  it('accepts a CI run that has moto_server on PATH or a shared endpoint', () => {
    const onPath = motoUnavailableReason({ PATH: motoDir, CI: 'true' });
    const shared = motoUnavailableReason({
      PATH: emptyDir,
      CI: 'true',
      SECRETS_MANAGER_ENDPOINT: 'http://127.0.0.1:1',
    });

    expect(onPath).toBeUndefined();
    expect(shared).toBeUndefined();
  });

  it('reads CI the way CI services set it', () => {
    expect([isCi({ CI: 'true' }), isCi({ CI: '1' }), isCi({ CI: 'TRUE' })]).toEqual([true, true, true]);
    expect([isCi({}), isCi({ CI: '' }), isCi({ CI: 'false' }), isCi({ CI: '0' })]).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
