import { describe, expect, it } from 'vitest';
import { redactText } from '../redact.ts';

describe('redactText', () => {
  it.each([
    ['invalid secret secret-token:conductorone.com:v1:eyJrdHkiOiJPS1Ai', 'secret-token'],
    ['got Authorization: Bearer abc.def-ghi_123', 'abc.def-ghi_123'],
    ['token eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl rejected', 'eyJhbGciOiJFZERTQSJ9'],
    ['The security token AKIAIOSFODNN7EXAMPLE is invalid', 'AKIAIOSFODNN7EXAMPLE'],
    ['secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ['redirect ?code=SplxlOBeZQQYbYS6WxSbIA&state=x', 'SplxlOBeZQQYbYS6WxSbIA'],
    ['{"client_secret":"hunter2hunter2"}', 'hunter2hunter2'],
    ['opaque 3q2-7wAAAAAbbbbbCCCCCdddddEEEEEfffff0', '3q2-7wAAAAAbbbbbCCCCCdddddEEEEEfffff0'],
  ])('removes the secret from %j', (text, secret) => {
    expect(redactText(text)).not.toContain(secret);
  });

  it('keeps ordinary text and ids readable', () => {
    expect(redactText('Connector conn-github of app app-github-enterprise was not found')).toBe(
      'Connector conn-github of app app-github-enterprise was not found',
    );
  });

  it('bounds the length', () => {
    expect(redactText('x '.repeat(1000), 50)).toHaveLength(51);
  });
});

describe('redactText with known values', () => {
  it('removes a value the caller knows is secret, whatever its shape', () => {
    expect(redactText('AppFabric said: invalid code q9-x1 for client', 300, ['q9-x1'])).toBe(
      'AppFabric said: invalid code [Redacted] for client',
    );
  });
});
