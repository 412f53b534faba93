/**
 * A defect planted in an adapter, for the tests of unexpected errors. No upstream answer makes one
 * (every upstream failure is translated into a registry error), so a bug is the only source, and
 * this is the one in-process fault the integration tests use: ConductorOne's `getConnector` throws
 * a plain Error for one connector id and reads the sandbox for every other.
 */
import type { Adapters } from '../../src/adapters/index.ts';

/** The connector id that trips the defect. */
export const DEFECT_CONNECTOR_ID = 'conn-injected-defect';

/** A `wrapAdapters` option: the defect, whose message carries `detail` (which must never reach a client). */
export function withConnectorDefect(detail: string) {
  return (adapters: Adapters): Adapters => ({
    ...adapters,
    conductorOne: {
      ...adapters.conductorOne,
      getConnector: async (key, options) => {
        if (key.id === DEFECT_CONNECTOR_ID) throw new Error(`connector mapping crashed: ${detail}`);
        return adapters.conductorOne.getConnector(key, options);
      },
    },
  });
}

/** An `_entities` request for the connector that trips the defect. */
export const DEFECT_QUERY = {
  query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on ConductorOneConnector { id } } }',
  variables: { r: [{ __typename: 'ConductorOneConnector', appId: 'app-defect', id: DEFECT_CONNECTOR_ID }] },
};
