/**
 * Endpoint resolution for the two AWS services, following each service's endpoint rule set
 * (aws-api.md §1.2 and §2.2). IoT Managed Integrations is dual-stack only: its hosts always use
 * the partition's dual-stack DNS suffix, and it has no dual-stack switch. AppFabric has FIPS and
 * dual-stack variants. A custom endpoint is used as is and cannot be combined with FIPS (or, for
 * AppFabric, dual-stack).
 */

interface Partition {
  id: string;
  regionRegex: RegExp;
  dnsSuffix: string;
  dualStackDnsSuffix: string;
}

/** The partitions of the AWS partition table, most specific first; unknown regions fall back to `aws`. */
const PARTITIONS: readonly Partition[] = [
  { id: 'aws-us-gov', regionRegex: /^us-gov-\w+-\d+$/, dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws' },
  {
    id: 'aws-cn',
    regionRegex: /^cn-\w+-\d+$/,
    dnsSuffix: 'amazonaws.com.cn',
    dualStackDnsSuffix: 'api.amazonwebservices.com.cn',
  },
  { id: 'aws-iso', regionRegex: /^us-iso-\w+-\d+$/, dnsSuffix: 'c2s.ic.gov', dualStackDnsSuffix: 'c2s.ic.gov' },
  {
    id: 'aws-iso-b',
    regionRegex: /^us-isob-\w+-\d+$/,
    dnsSuffix: 'sc2s.sgov.gov',
    dualStackDnsSuffix: 'sc2s.sgov.gov',
  },
  {
    id: 'aws-iso-e',
    regionRegex: /^eu-isoe-\w+-\d+$/,
    dnsSuffix: 'cloud.adc-e.uk',
    dualStackDnsSuffix: 'cloud.adc-e.uk',
  },
  {
    id: 'aws-iso-f',
    regionRegex: /^us-isof-\w+-\d+$/,
    dnsSuffix: 'csp.hci.ic.gov',
    dualStackDnsSuffix: 'csp.hci.ic.gov',
  },
  {
    id: 'aws-eusc',
    regionRegex: /^eusc-de-\w+-\d+$/,
    dnsSuffix: 'amazonaws.eu',
    dualStackDnsSuffix: 'api.amazonwebservices.eu',
  },
  {
    id: 'aws',
    regionRegex: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/,
    dnsSuffix: 'amazonaws.com',
    dualStackDnsSuffix: 'api.aws',
  },
];

const AWS_PARTITION = PARTITIONS.at(-1)!;

export function partitionOf(region: string): Partition {
  return PARTITIONS.find((p) => p.regionRegex.test(region)) ?? AWS_PARTITION;
}

export interface EndpointParameters {
  region: string | undefined;
  useFips: boolean;
  useDualStack: boolean;
  /** A custom endpoint (VPC endpoint, proxy, local simulator). */
  endpoint: string | undefined;
}

export class EndpointError extends Error {
  constructor(message: string) {
    super(`Invalid Configuration: ${message}`);
    this.name = 'EndpointError';
  }
}

/** A region is one DNS label: it goes into a host name. */
const REGION = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function isRegionName(region: string): boolean {
  return REGION.test(region);
}

function checkRegion(region: string | undefined): string {
  if (!region) throw new EndpointError('Missing Region');
  if (!isRegionName(region)) throw new EndpointError('not a valid region');
  return region;
}

function checkCustom(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    // The value is not repeated: an endpoint may carry credentials (refused below, when it parses).
    throw new EndpointError('the endpoint is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EndpointError('the endpoint must be http(s)');
  if (url.search || url.hash || url.username || url.password) {
    throw new EndpointError('the endpoint must not carry a query, fragment or credentials');
  }
  return url;
}

/** IoT Managed Integrations (signing name `iotmanagedintegrations`). `useDualStack` does not apply. */
export function resolveIotManagedIntegrationsEndpoint(params: EndpointParameters): URL {
  if (params.endpoint) {
    if (params.useFips) throw new EndpointError('FIPS and custom endpoint are not supported');
    return checkCustom(params.endpoint);
  }
  const region = checkRegion(params.region);
  const suffix = partitionOf(region).dualStackDnsSuffix;
  const prefix = params.useFips ? 'api.iotmanagedintegrations-fips' : 'api.iotmanagedintegrations';
  return new URL(`https://${prefix}.${region}.${suffix}`);
}

/** AWS AppFabric (signing name `appfabric`). */
export function resolveAppFabricEndpoint(params: EndpointParameters): URL {
  if (params.endpoint) {
    if (params.useFips) throw new EndpointError('FIPS and custom endpoint are not supported');
    if (params.useDualStack) throw new EndpointError('Dualstack and custom endpoint are not supported');
    return checkCustom(params.endpoint);
  }
  const region = checkRegion(params.region);
  const partition = partitionOf(region);
  const suffix = params.useDualStack ? partition.dualStackDnsSuffix : partition.dnsSuffix;
  return new URL(`https://${params.useFips ? 'appfabric-fips' : 'appfabric'}.${region}.${suffix}`);
}
