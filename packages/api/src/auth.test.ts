import { describe, expect, it } from 'vitest';
import { canOperate, createAuthenticator, createDevToken } from './auth';
import { parseTokens } from './config';

describe('authenticator', () => {
  const auth = createAuthenticator(
    parseTokens('ops:operator:operator-token-0001,watch:viewer:viewer-token-00001'),
  );

  it('resolves bearer headers to principals', () => {
    expect(auth.fromHeader('Bearer operator-token-0001')).toEqual({ name: 'ops', role: 'operator' });
    expect(auth.fromHeader('bearer viewer-token-00001')).toEqual({ name: 'watch', role: 'viewer' });
    expect(auth.fromHeader('Bearer nope-nope-nope-nope')).toBeUndefined();
    expect(auth.fromHeader('Basic operator-token-0001')).toBeUndefined();
    expect(auth.fromHeader(undefined)).toBeUndefined();
    expect(auth.authenticate('')).toBeUndefined();
  });

  it('operators operate, viewers do not', () => {
    expect(canOperate(auth.authenticate('operator-token-0001'))).toBe(true);
    expect(canOperate(auth.authenticate('viewer-token-00001'))).toBe(false);
    expect(canOperate(undefined)).toBe(false);
  });

  it('development tokens are fresh operators', () => {
    const a = createDevToken();
    const b = createDevToken();
    expect(a.token).not.toBe(b.token);
    expect(createAuthenticator([a.entry]).authenticate(a.token)).toEqual({ name: 'dev', role: 'operator' });
  });
});
