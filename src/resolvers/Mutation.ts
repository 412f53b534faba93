import type {
  ConnectAppAuthorizationError,
  ConnectAppAuthorizationInput,
  MutationResolvers,
} from '../__generated__/resolvers-types.ts';
import { idOf, refFromAppAuthorizationArn } from '../adapters/appFabric/port.ts';
import { isAppFabricIdentifier } from '../validation.ts';

/** AppFabric AuthRequest.redirectUri (aws-api.md §2.4). */
const REDIRECT_URI = /^https:\/\/[-a-zA-Z0-9._~:/?#@!$&'()*+,;=]+$/;
const REDIRECT_URI_MAX = 1024;
const CODE_MAX = 2048;

/**
 * False when the authorization is named by an ARN whose app bundle is not the one named: another
 * ARN, or another UUID than the ARN's last segment. A UUID names no bundle: AppFabric decides.
 */
function inNamedBundle(appBundleIdentifier: string, appAuthorizationIdentifier: string): boolean {
  const bundleOfArn = refFromAppAuthorizationArn(appAuthorizationIdentifier)?.appBundleIdentifier;
  if (bundleOfArn === undefined) return true;
  return appBundleIdentifier.startsWith('arn:')
    ? bundleOfArn === appBundleIdentifier
    : idOf(bundleOfArn) === appBundleIdentifier;
}

/**
 * Checks the input against AppFabric's own constraints before anything is sent, so a malformed
 * request never spends the single-use code. Messages never include the code.
 */
export function validateConnectInput(input: ConnectAppAuthorizationInput): ConnectAppAuthorizationError[] {
  const errors: ConnectAppAuthorizationError[] = [];
  const invalid = (field: string[], message: string) => errors.push({ code: 'INVALID_INPUT', message, field });
  if (!isAppFabricIdentifier(input.appBundleIdentifier)) {
    invalid(['input', 'appBundleIdentifier'], 'appBundleIdentifier must be an ARN or a lower-case UUID.');
  }
  if (!isAppFabricIdentifier(input.appAuthorizationIdentifier)) {
    invalid(['input', 'appAuthorizationIdentifier'], 'appAuthorizationIdentifier must be an ARN or a lower-case UUID.');
  } else if (
    isAppFabricIdentifier(input.appBundleIdentifier) &&
    !inNamedBundle(input.appBundleIdentifier, input.appAuthorizationIdentifier)
  ) {
    // AppFabric would refuse it only after the code was on its way; and the same code for the
    // right bundle would then count as another authorization's.
    invalid(
      ['input', 'appAuthorizationIdentifier'],
      'appAuthorizationIdentifier is the ARN of an authorization in another app bundle than appBundleIdentifier names.',
    );
  }
  const authRequest = input.authRequest;
  if (authRequest) {
    const redirectUri = authRequest.redirectUri;
    // The rule that failed, so that a caller can tell a long URL from a character AppFabric's
    // pattern leaves out (it has no `%`: percent-encoded URLs are refused, never sent).
    const problem =
      redirectUri.length > REDIRECT_URI_MAX
        ? `at most ${REDIRECT_URI_MAX} characters long`
        : !redirectUri.startsWith('https://')
          ? 'an https URL'
          : !REDIRECT_URI.test(redirectUri)
            ? "made of the characters AppFabric allows in it: letters, digits and -._~:/?#@!$&'()*+,;= (no spaces, no percent-encoding)"
            : null;
    if (problem) invalid(['input', 'authRequest', 'redirectUri'], `redirectUri must be ${problem}.`);
    if (authRequest.code.length < 1 || authRequest.code.length > CODE_MAX) {
      invalid(['input', 'authRequest', 'code'], `code must be 1 to ${CODE_MAX} characters.`);
    }
  }
  return errors;
}

export const Mutation: MutationResolvers = {
  async connectAppAuthorization(_root, { input }, { adapters, callOptions, loaders }) {
    const userErrors = validateConnectInput(input);
    if (userErrors.length > 0) return { appAuthorization: null, userErrors };

    const result = await adapters.appFabric.connectAppAuthorization(
      {
        appBundleIdentifier: input.appBundleIdentifier,
        appAuthorizationIdentifier: input.appAuthorizationIdentifier,
        authRequest: input.authRequest
          ? { redirectUri: input.authRequest.redirectUri, code: input.authRequest.code }
          : undefined,
      },
      callOptions,
    );
    if (result.ok) {
      // The returned summary answers later summary reads of this authorization in the request.
      loaders.appAuthorizationSummaryByArn
        .clear(result.appAuthorization.arn)
        .prime(result.appAuthorization.arn, result.appAuthorization);
      return { appAuthorization: result.appAuthorization, userErrors: [] };
    }
    return { appAuthorization: null, userErrors: result.errors };
  },
};
