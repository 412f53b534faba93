/** Signing keys and tokens for authentication tests, and a JWKS served on loopback. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT } from 'jose';
import type { AuthConfig } from '../../src/config.ts';

export const ISSUER = 'https://idp.test.example';
export const AUDIENCE = 'connector-auth-subgraph';

export interface TestSigner {
  privateKey: KeyObject;
  publicKeyPem: string;
  kid: string;
  sign(
    claims?: Record<string, unknown>,
    options?: { expiresInSeconds?: number; issuer?: string; audience?: string },
  ): Promise<string>;
}

export function createSigner(kid = 'test-key-1'): TestSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    kid,
    sign(claims = {}, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid })
        .setIssuer(options.issuer ?? ISSUER)
        .setAudience(options.audience ?? AUDIENCE)
        .setSubject('user-123')
        .setIssuedAt(now)
        .setExpirationTime(now + (options.expiresInSeconds ?? 300))
        .sign(privateKey);
    },
  };
}

/** A JWKS endpoint on 127.0.0.1 that counts its fetches. */
export async function serveJwks(
  signers: TestSigner[],
): Promise<{ url: string; fetches: () => number; close: () => Promise<void> }> {
  const keys = await Promise.all(
    signers.map(async (s) => ({
      ...(await exportJWK(s.privateKey)),
      d: undefined,
      kid: s.kid,
      alg: 'ES256',
      use: 'sig',
    })),
  );
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    fetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The test-server `auth` config that accepts tokens from `signer` (ES256 unless told otherwise). */
export function jwtAuth(signer: TestSigner, algorithms: string[] = ['ES256']): Extract<AuthConfig, { kind: 'jwt' }> {
  return { kind: 'jwt', key: { publicKeyPem: signer.publicKeyPem }, issuer: ISSUER, audience: AUDIENCE, algorithms };
}
