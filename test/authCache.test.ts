/**
 * The authenticator's memory of verified tokens (src/security/authenticate.ts): a token is checked
 * once and then recognised for at most a minute, never past its `exp` or its maximum age, and only
 * the exact token string verified is recognised.
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/security/authenticate.ts';
import { AUDIENCE, createSigner, ISSUER, jwtAuth } from './helpers/jwt.ts';

const signer = createSigner();

function setUp(extra: { maxTokenAgeS?: number } = {}) {
  let offset = 0;
  const authenticator = createAuthenticator({ ...jwtAuth(signer), ...extra }, null, {
    now: () => Date.now() + offset,
  });
  const authenticate = (token: string) => authenticator.authenticate({ authorization: `Bearer ${token}` });
  return { authenticate, advance: (ms: number) => (offset += ms) };
}

const token = (lifetimeS: number, claims: Record<string, unknown> = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: 'destinations:read', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: signer.kid })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('user-1')
    .setIssuedAt(now)
    .setExpirationTime(now + lifetimeS)
    .sign(signer.privateKey);
};

describe('verified tokens', () => {
  it('are recognised again, with the same caller', async () => {
    const { authenticate } = setUp();
    const jwt = await token(600);
    const first = await authenticate(jwt);
    expect(first).toEqual({ subject: 'user-1', scopes: new Set(['destinations:read']) });
    expect(await authenticate(jwt)).toBe(first); // the remembered caller, not a second verification
  });

  it('are not recognised past their exp (beyond the 30 s tolerance), though a minute has not passed', async () => {
    const { authenticate, advance } = setUp();
    const jwt = await token(10);
    await authenticate(jwt);
    advance(45_000);
    await expect(authenticate(jwt)).rejects.toThrow('invalid or expired');
  });

  it('are verified again after a minute', async () => {
    const { authenticate, advance } = setUp();
    const jwt = await token(600);
    const first = await authenticate(jwt);
    advance(61_000);
    const again = await authenticate(jwt);
    expect(again).toEqual(first);
    expect(again).not.toBe(first); // verified anew
  });

  it('are not recognised past their maximum age', async () => {
    const { authenticate, advance } = setUp({ maxTokenAgeS: 20 });
    const jwt = await token(600);
    await authenticate(jwt);
    advance(51_000); // past 20 s and the 30 s tolerance, within the minute a token is remembered
    await expect(authenticate(jwt)).rejects.toThrow('invalid or expired');
  });

  it('recognise only the exact token: one character changed is verified, and refused', async () => {
    const { authenticate } = setUp();
    const jwt = await token(600);
    await authenticate(jwt);
    const tampered = `${jwt.slice(0, -2)}${jwt.at(-2) === 'A' ? 'B' : 'A'}${jwt.at(-1)}`;
    await expect(authenticate(tampered)).rejects.toThrow('invalid or expired');
    const other = await token(600, { scope: 'credentials:read' });
    expect((await authenticate(other)).scopes).toEqual(new Set(['credentials:read']));
  });

  it('stay within a bounded number, the oldest forgotten first', async () => {
    const { authenticate } = setUp();
    const tokens = await Promise.all(Array.from({ length: 1_001 }, (_, i) => token(600, { n: i })));
    const callers = [];
    for (const jwt of tokens) callers.push(await authenticate(jwt));
    expect(await authenticate(tokens[1_000]!)).toBe(callers[1_000]); // still remembered
    expect(await authenticate(tokens[0]!)).not.toBe(callers[0]); // forgotten: verified again
  });
});
