import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from './auth-hash';
import type { Role, TokenEntry } from './config';

/** Who is calling: the token's name and role. */
export interface Principal {
  name: string;
  role: Role;
}

/** Resolves bearer tokens against the configured (hashed) tokens. */
export interface Authenticator {
  /** The principal of a raw token, or undefined when it is unknown. Constant time per configured token. */
  authenticate(token: string | undefined | null): Principal | undefined;
  /** The principal of an `Authorization` header value (`Bearer <token>`). */
  fromHeader(header: string | undefined | null): Principal | undefined;
}

/** Build an authenticator over hashed tokens; plain tokens are never stored. */
export function createAuthenticator(tokens: readonly TokenEntry[]): Authenticator {
  const entries = tokens.map((t) => ({ ...t, digest: Buffer.from(t.sha256, 'hex') }));
  const authenticate = (token: string | undefined | null): Principal | undefined => {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return undefined;
    const digest = Buffer.from(sha256Hex(token), 'hex');
    let found: Principal | undefined;
    // Compare with every entry (no early exit) so timing does not reveal which entry matched.
    for (const e of entries) {
      if (timingSafeEqual(digest, e.digest) && !found) found = { name: e.name, role: e.role };
    }
    return found;
  };
  return {
    authenticate,
    fromHeader(header) {
      if (!header) return undefined;
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      return m ? authenticate(m[1]) : undefined;
    },
  };
}

/** A fresh random token for development mode (an operator named `dev`). */
export function createDevToken(): { token: string; entry: TokenEntry } {
  const token = `veloz_dev_${randomBytes(24).toString('base64url')}`;
  return { token, entry: { name: 'dev', role: 'operator', sha256: sha256Hex(token) } };
}

/** True when `principal` may run mutations (place/cancel orders, reconciliation). */
export const canOperate = (principal: Principal | undefined): boolean => principal?.role === 'operator';
