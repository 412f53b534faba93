import {
  refFromAppAuthorizationArn,
  type AppAuthorizationModel,
  type AppAuthorizationRef,
  type AppFabricPort,
} from '../adapters/appFabric/port.ts';
import type { CallOptions } from '../adapters/types.ts';
import { badUserInput } from '../errors.ts';
import { fanOut } from './fanOut.ts';
import { loadViaList } from './listBacked.ts';
import { fromListedFirst, ListedItems } from './listedItems.ts';
import { loader, type LoaderSettings } from './options.ts';

/** AppFabric has no batch read: de-duplicate references and fan out, this many calls at a time. */
const FAN_OUT = 8;
/** ListAppAuthorizations returns up to 100 items a page. */
const LIST_PAGE = 100;

const refKey = (ref: AppAuthorizationRef) => JSON.stringify([ref.appBundleIdentifier, ref.appAuthorizationIdentifier]);

/** The ARN form of a reference; the same authorization read by UUIDs and by ARNs shares it. */
export function canonicalAppAuthorizationRef(model: AppAuthorizationModel): AppAuthorizationRef {
  return { appBundleIdentifier: model.appBundleArn, appAuthorizationIdentifier: model.arn };
}

/** The error for an `arn` key that is not an app authorization ARN. */
export const notAnAuthorizationArn = () => badUserInput('`arn` must be an AppFabric app authorization ARN.', ['arn']);

function refFromArn(arn: string): AppAuthorizationRef {
  const ref = refFromAppAuthorizationArn(arn);
  if (!ref) throw notAnAuthorizationArn();
  return ref;
}

export function createAppFabricLoaders(port: AppFabricPort, options: CallOptions, settings: LoaderSettings) {
  /** GetAppAuthorization by (appBundleIdentifier, appAuthorizationIdentifier), ARNs or UUIDs: full records. */
  const appAuthorizationByRef = loader<AppAuthorizationRef, AppAuthorizationModel | null, string>(
    settings,
    async function loadAppAuthorizationsByRef(refs) {
      return fanOut(refs, FAN_OUT, async (ref) => {
        const model = await port.getAppAuthorization(ref, options);
        if (model) {
          appAuthorizationByRef.prime(canonicalAppAuthorizationRef(model), model);
          appAuthorizationSummaryByArn.prime(model.arn, model);
        }
        return model;
      });
    },
    { name: 'appAuthorizationByRef', maxBatchSize: 100, cacheKeyFn: refKey },
  );

  /**
   * Authorizations by ARN when only summary members are needed: primed by list reads and the
   * connect step; two or more unknown ARNs of one app bundle are served by ListAppAuthorizations
   * pages of that bundle instead of one Get each.
   */
  const listedAuthorizations = new ListedItems<AppAuthorizationModel>();
  const appAuthorizationSummaryByArn = loader<string, AppAuthorizationModel | null>(
    settings,
    function loadAppAuthorizationSummariesByArn(keys) {
      return fromListedFirst(listedAuthorizations, keys, loadSummariesFromUpstream);
    },
    { name: 'appAuthorizationSummaryByArn', maxBatchSize: 1000 },
  );

  async function loadSummariesFromUpstream(arns: string[]): Promise<Array<AppAuthorizationModel | null | Error>> {
    const byBundle = new Map<string, string[]>();
    const results = new Map<string, AppAuthorizationModel | null | Error>();
    for (const arn of arns) {
      const ref = refFromAppAuthorizationArn(arn);
      if (!ref) {
        results.set(arn, notAnAuthorizationArn());
        continue;
      }
      byBundle.set(ref.appBundleIdentifier, [...(byBundle.get(ref.appBundleIdentifier) ?? []), arn]);
    }
    await Promise.all(
      [...byBundle].map(async ([bundle, keys]) => {
        const loaded = await loadViaList<string, AppAuthorizationModel>({
          keys,
          keyOf: (a) => a.arn,
          listPage: (nextToken) =>
            port.listAppAuthorizations({ appBundleIdentifier: bundle, maxResults: LIST_PAGE, nextToken }, options),
          get: (arn) => appAuthorizationByRef.load(refFromArn(arn)),
          concurrency: FAN_OUT,
        });
        keys.forEach((arn, i) => results.set(arn, loaded[i]!));
      }),
    );
    return arns.map((arn) => results.get(arn) ?? null);
  }

  return {
    appAuthorizationByRef,
    appAuthorizationSummaryByArn,
    /** Remembers what a ListAppAuthorizations read returns, for the summary loader. */
    trackAuthorizationList<T extends { items: AppAuthorizationModel[] }>(read: Promise<T>): Promise<T> {
      return settings.batching
        ? listedAuthorizations.track(read, (page) => page.items.map((a) => [a.arn, a] as const))
        : read;
    },
    /** GetAppAuthorization by appAuthorizationArn (the entity key); the bundle derives from the ARN. */
    appAuthorizationByArn: {
      load(arn: string): Promise<AppAuthorizationModel | null> {
        try {
          return appAuthorizationByRef.load(refFromArn(arn));
        } catch (error) {
          return Promise.reject(error);
        }
      },
    },
  };
}
