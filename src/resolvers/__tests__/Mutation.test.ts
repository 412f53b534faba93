import { describe, expect, it } from 'vitest';
import { validateConnectInput } from '../Mutation.ts';

const ids = {
  appBundleIdentifier: '9d2c7e14-8a3b-4f60-b1c2-d3e4f5a6b7c8',
  appAuthorizationIdentifier: '9e2c4d6f-0a1b-4cf9-9d8e-9f0a1b2c3d4e',
};
const messageFor = (redirectUri: string) =>
  validateConnectInput({ ...ids, authRequest: { redirectUri, code: 'c' } }).map((e) => [e.field, e.message]);

describe('validateConnectInput', () => {
  it('accepts an https redirectUri of the characters AppFabric allows', () => {
    expect(messageFor("https://app.example.com/oauth/callback?state=a-b_c.d~e&x=(1)*2,3;4+5!'")).toEqual([]);
  });

  it('names the rule a redirectUri breaks', () => {
    const field = ['input', 'authRequest', 'redirectUri'];
    expect(messageFor(`https://app.example.com/${'a'.repeat(1024)}`)).toEqual([
      [field, 'redirectUri must be at most 1024 characters long.'],
    ]);
    expect(messageFor('http://app.example.com/callback')).toEqual([[field, 'redirectUri must be an https URL.']]);
    // AppFabric's pattern has no `%`: a percent-encoded URL is refused before the code is spent, and
    // the message says why (it used to say "an https URL of at most 1024 characters", which it was).
    for (const uri of ['https://app.example.com/cb?return=%2Fsettings', 'https://app.example.com/a b']) {
      const [[, message]] = messageFor(uri) as [[string[], string]];
      expect(message).toMatch(
        /^redirectUri must be made of the characters AppFabric allows in it: .*no percent-encoding/,
      );
    }
  });
});

describe('validateConnectInput: an authorization ARN of another bundle', () => {
  const bundle = 'arn:aws:appfabric:us-east-1:111122223333:appbundle/9d2c7e14-8a3b-4f60-b1c2-d3e4f5a6b7c8';
  const authorization = `${bundle}/appauthorization/9e2c4d6f-0a1b-4cf9-9d8e-9f0a1b2c3d4e`;
  const check = (appBundleIdentifier: string, appAuthorizationIdentifier: string) =>
    validateConnectInput({
      appBundleIdentifier,
      appAuthorizationIdentifier,
      authRequest: { redirectUri: 'https://app.example.com/cb', code: 'c' },
    }).map((e) => [e.field, e.message]);

  it('is refused before the code is sent, whichever form names the bundle', () => {
    const refused = [
      [
        ['input', 'appAuthorizationIdentifier'],
        'appAuthorizationIdentifier is the ARN of an authorization in another app bundle than appBundleIdentifier names.',
      ],
    ];
    expect(check('0a0a0a0a-0000-4000-8000-000000000000', authorization)).toEqual(refused);
    expect(check(bundle.replace('111122223333', '444455556666'), authorization)).toEqual(refused);
    expect(check(bundle.replace('us-east-1', 'eu-west-1'), authorization)).toEqual(refused);
  });

  it("is accepted when the bundle is the ARN's, as an ARN or as its UUID; a UUID authorization names no bundle", () => {
    expect(check(bundle, authorization)).toEqual([]);
    expect(check('9d2c7e14-8a3b-4f60-b1c2-d3e4f5a6b7c8', authorization)).toEqual([]);
    expect(check('0a0a0a0a-0000-4000-8000-000000000000', '9e2c4d6f-0a1b-4cf9-9d8e-9f0a1b2c3d4e')).toEqual([]);
  });
});
