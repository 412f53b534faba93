import DataLoader from 'dataloader';
import { refFromAppAuthorizationArn } from '../adapters/appFabric/mapping.ts';
import type { AppAuthorizationModel, AppAuthorizationRef, AppFabricPort } from '../adapters/appFabric/port.ts';
import type { CallOptions } from '../adapters/types.ts';
import { badUserInput } from '../errors.ts';
import { fanOut } from './fanOut.ts';

/** AppFabric has no batch read: de-duplicate references and fan out, this many calls at a time. */
const FAN_OUT = 8;

const refKey = (ref: AppAuthorizationRef) => JSON.stringify([ref.appBundleIdentifier, ref.appAuthorizationIdentifier]);

/** The ARN form of a reference; the same authorization read by UUIDs and by ARNs shares it. */
export function canonicalAppAuthorizationRef(model: AppAuthorizationModel): AppAuthorizationRef {
  return { appBundleIdentifier: model.appBundleArn, appAuthorizationIdentifier: model.arn };
}

export function createAppFabricLoaders(port: AppFabricPort, options: CallOptions) {
  const appAuthorizationByRef: DataLoader<AppAuthorizationRef, AppAuthorizationModel | null, string> = new DataLoader(
    async function loadAppAuthorizationsByRef(refs) {
      return fanOut(refs, FAN_OUT, async (ref) => {
        const model = await port.getAppAuthorization(ref, options);
        if (model) appAuthorizationByRef.prime(canonicalAppAuthorizationRef(model), model);
        return model;
      });
    },
    { name: 'appAuthorizationByRef', maxBatchSize: 100, cacheKeyFn: refKey },
  );

  return {
    /** GetAppAuthorization by (appBundleIdentifier, appAuthorizationIdentifier), ARNs or UUIDs. */
    appAuthorizationByRef,
    /** GetAppAuthorization by appAuthorizationArn (the entity key); the bundle derives from the ARN. */
    appAuthorizationByArn: {
      load(arn: string): Promise<AppAuthorizationModel | null> {
        const ref = refFromAppAuthorizationArn(arn);
        if (!ref) return Promise.reject(badUserInput('`arn` must be an AppFabric app authorization ARN.', ['arn']));
        return appAuthorizationByRef.load(ref);
      },
    },
  };
}
