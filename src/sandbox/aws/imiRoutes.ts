/**
 * The simulated IoT Managed Integrations read operations (API 2025-03-03), over the sandbox seed.
 * Members are PascalCase as the model has them; list items are the summary members only.
 */
import type { ConnectorDestinationSummary } from '../../adapters/iotManagedIntegrations/types.ts';
import type { SandboxSeed } from '../seed.ts';
import { PageTokens } from './pageTokens.ts';
import {
  constraint,
  notFound,
  validationError,
  type FieldProblem,
  type Route,
  type RouteInput,
  type SimResponse,
} from './restJson.ts';

const SERVICE = 'iotManagedIntegrations';
const ID_PATTERN = '^[A-Za-z0-9-_]+$';
const NEXT_TOKEN = /^[a-zA-Z0-9=_-]+$/;
const MAX_RESULTS = 1000;
/** The model gives MaxResults no default; the simulator answers up to this many. */
const DEFAULT_MAX_RESULTS = 100;
const CLOUD_CONNECTOR_TYPES = ['LISTED', 'UNLISTED'];

/** The four IMI routes, reading a private copy of the seed (these operations never write). */
export function createImiRoutes(seed: SandboxSeed['iotManagedIntegrations']): Route[] {
  const { connectorDestinations, cloudConnectors } = structuredClone(seed);
  const tokens = new PageTokens();
  const route = (operation: string, path: string[], handle: (input: RouteInput) => SimResponse): Route => ({
    service: SERVICE,
    operation,
    method: 'GET',
    path,
    handle,
  });

  return [
    route('GetConnectorDestination', ['connector-destinations', '{Identifier}'], ({ labels }) => {
      const id = labels['Identifier']!;
      const problem = checkId('identifier', id);
      if (problem) return validationError(SERVICE, [problem]);
      const found = connectorDestinations.find((d) => d.Id === id);
      return found ? { status: 200, body: found } : notFound(SERVICE, 'ConnectorDestination', id);
    }),

    route('ListConnectorDestinations', ['connector-destinations'], ({ query, now }) => {
      const cloudConnectorId = first(query, 'CloudConnectorId');
      const filterProblem = cloudConnectorId === undefined ? undefined : checkId('cloudConnectorId', cloudConnectorId);
      const scope = `ListConnectorDestinations|${cloudConnectorId ?? ''}`;
      const paging = readPaging(query, scope, tokens, now, filterProblem);
      if ('status' in paging) return paging;
      const matching = connectorDestinations.filter(
        (d) => cloudConnectorId === undefined || d.CloudConnectorId === cloudConnectorId,
      );
      const page = tokens.page(matching, paging.offset, paging.max, scope, now);
      const summaries = page.items.map(({ Name, Description, CloudConnectorId, Id }): ConnectorDestinationSummary => ({
        Name,
        Description,
        CloudConnectorId,
        Id,
      }));
      return { status: 200, body: { ConnectorDestinationList: summaries, NextToken: page.nextToken } };
    }),

    route('GetCloudConnector', ['cloud-connectors', '{Identifier}'], ({ labels }) => {
      const id = labels['Identifier']!;
      const problem = checkId('identifier', id);
      if (problem) return validationError(SERVICE, [problem]);
      const found = cloudConnectors.find((c) => c.Id === id);
      return found ? { status: 200, body: found } : notFound(SERVICE, 'CloudConnector', id);
    }),

    route('ListCloudConnectors', ['cloud-connectors'], ({ query, now }) => {
      const type = first(query, 'Type');
      const lambdaArn = first(query, 'LambdaArn');
      let filterProblem: FieldProblem | undefined;
      if (type !== undefined && !CLOUD_CONNECTOR_TYPES.includes(type)) {
        filterProblem = constraint(
          'type',
          type,
          `Member must satisfy enum value set: [${CLOUD_CONNECTOR_TYPES.join(', ')}]`,
        );
      } else if (lambdaArn !== undefined && (lambdaArn.length < 1 || lambdaArn.length > 2048)) {
        filterProblem = constraint('lambdaArn', lambdaArn, 'Member must have length between 1 and 2048');
      }
      const scope = `ListCloudConnectors|${type ?? ''}|${lambdaArn ?? ''}`;
      const paging = readPaging(query, scope, tokens, now, filterProblem);
      if ('status' in paging) return paging;
      const matching = cloudConnectors.filter(
        (c) =>
          (type === undefined || c.Type === type) &&
          (lambdaArn === undefined || c.EndpointConfig?.lambda?.arn === lambdaArn),
      );
      const page = tokens.page(matching, paging.offset, paging.max, scope, now);
      return { status: 200, body: { Items: page.items, NextToken: page.nextToken } };
    }),
  ];
}

function first(query: Map<string, string[]>, name: string): string | undefined {
  return query.get(name)?.[0];
}

function checkId(member: string, value: string): FieldProblem | undefined {
  if (value.length < 1 || value.length > 64)
    return constraint(member, value, 'Member must have length between 1 and 64');
  if (!/^[A-Za-z0-9_-]+$/.test(value)) {
    return constraint(member, value, `Member must satisfy regular expression pattern: ${ID_PATTERN}`);
  }
  return undefined;
}

/** Validates `MaxResults` and `NextToken` (plus a filter problem found by the caller). */
function readPaging(
  query: Map<string, string[]>,
  scope: string,
  tokens: PageTokens,
  now: Date,
  filterProblem: FieldProblem | undefined,
): { offset: number; max: number } | SimResponse {
  const problems: FieldProblem[] = filterProblem ? [filterProblem] : [];
  const rawMax = first(query, 'MaxResults');
  const max = rawMax === undefined ? DEFAULT_MAX_RESULTS : /^\d{1,10}$/.test(rawMax) ? Number(rawMax) : NaN;
  if (Number.isNaN(max) || max < 1) {
    problems.push(constraint('maxResults', rawMax, 'Member must have value greater than or equal to 1'));
  } else if (max > MAX_RESULTS) {
    problems.push(constraint('maxResults', rawMax, `Member must have value less than or equal to ${MAX_RESULTS}`));
  }
  const nextToken = first(query, 'NextToken');
  if (nextToken !== undefined && (nextToken.length < 1 || nextToken.length > 65535 || !NEXT_TOKEN.test(nextToken))) {
    problems.push(
      constraint('nextToken', nextToken, 'Member must satisfy regular expression pattern: ^[a-zA-Z0-9=_-]+$'),
    );
  }
  if (problems.length > 0) return validationError(SERVICE, problems);
  if (nextToken === undefined) return { offset: 0, max };
  const reading = tokens.read(nextToken, scope, now);
  if (!reading.ok) return validationError(SERVICE, [], 'other', 'The provided NextToken is not valid.');
  return { offset: reading.offset, max };
}
