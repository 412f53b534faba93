/**
 * The deployment examples under deploy/ against the subgraph's own configuration: every YAML file
 * parses; environment variables are the ones README documents; ports, probes, security context,
 * selectors, drain timing, the IAM policy, the router and gateway examples agree with the code.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import vm from 'node:vm';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ConfigError, loadConfig } from '../src/config.ts';

const ROOT = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(new URL(dir, ROOT))) {
    const path = `${dir}/${entry}`;
    if (statSync(new URL(path, ROOT)).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out.sort();
}

// ---------------------------------------------------------------------------------------------
// The manifests
// ---------------------------------------------------------------------------------------------

interface Manifest {
  file: string;
  doc: any;
}

const DEPLOY_FILES = filesUnder('deploy');
const YAML_FILES = DEPLOY_FILES.filter((f) => /\.ya?ml$/.test(f));

const parsed = YAML_FILES.map((file) => ({ file, docs: parseAllDocuments(read(file)) }));
const manifests: Manifest[] = parsed.flatMap(({ file, docs }) =>
  docs.map((doc) => ({ file, doc: doc.toJS() as any })).filter(({ doc }) => doc !== null),
);
const k8s = manifests.filter((m) => m.file.startsWith('deploy/kubernetes/') && m.doc.kind && m.doc.apiVersion);

function one(kind: string): Manifest {
  const found = k8s.filter((m) => m.doc.kind === kind);
  if (found.length !== 1) throw new Error(`deploy/kubernetes must hold exactly one ${kind} (found ${found.length})`);
  return found[0]!;
}

const deployment = one('Deployment').doc;
const configMap = one('ConfigMap').doc;
const secret = one('Secret');
const service = one('Service').doc;
const hpa = one('HorizontalPodAutoscaler').doc;
const pdb = one('PodDisruptionBudget').doc;
const serviceAccount = one('ServiceAccount').doc;
const podSpec = deployment.spec.template.spec;
const podLabels: Record<string, string> = deployment.spec.template.metadata.labels;
const container = podSpec.containers.find((c: any) => c.ports?.some((p: any) => p.name === 'http'));
const configData: Record<string, unknown> = configMap.data ?? {};
/** The container's own `env` entries with plain values. */
function containerEnv(): Record<string, string> {
  const entries = (container.env ?? []) as Array<{ name: string; value?: unknown }>;
  return Object.fromEntries(entries.filter((e) => typeof e.value === 'string').map((e) => [e.name, e.value as string]));
}
const secretData: Record<string, unknown> = { ...secret.doc.data, ...secret.doc.stringData };

/** A `NAME:` key commented out in a manifest: an option the file documents. */
function commentedKeys(file: string): string[] {
  return [...read(file).matchAll(/^\s*#\s*([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
}

// ---------------------------------------------------------------------------------------------
// What the README documents
// ---------------------------------------------------------------------------------------------

function readmeSection(heading: string): string {
  const readme = read('README.md');
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start, `README.md has a "## ${heading}" section`).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 4);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Rows of the first Markdown table in a section, as cells (header and separator dropped). */
function tableRows(section: string): string[][] {
  const lines = section.split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (let i = first + 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    rows.push(
      lines[i]!.replace(/^\||\|$/g, '')
        .split('|')
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const ENV_NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|^(?:PORT|HOST|SANDBOX)$/;
const backticked = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

const ERROR_CODES = new Set(tableRows(readmeSection('Errors')).flatMap((row) => backticked(row[0]!)));
const CONFIG_ROWS = tableRows(readmeSection('Configuration'));
/** Every variable the configuration table names, in any column (error codes excluded). */
const DOCUMENTED = new Set(
  CONFIG_ROWS.flatMap((row) => row.flatMap(backticked))
    .map((token) => token.replace(/=.*$/, '')) // `AUTH_DISABLED=true`
    .filter((n) => ENV_NAME.test(n) && !ERROR_CODES.has(n)),
);
/** README's defaults: the second column when it is a plain backticked number. */
function readmeDefault(name: string): number {
  const row = CONFIG_ROWS.find((r) => backticked(r[0]!).includes(name));
  expect(row, `README documents ${name}`).toBeDefined();
  const value = Number(backticked(row![1]!)[0]);
  expect(Number.isFinite(value), `README's default for ${name} is a number`).toBe(true);
  return value;
}

/** Variables the AWS SDK's default chain and configuration read (README: "AWS credentials"). */
const AWS_SDK_VARIABLES = new Set([
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_STS_REGIONAL_ENDPOINTS',
  'AWS_MAX_ATTEMPTS',
  'AWS_RETRY_MODE',
  'AWS_USE_FIPS_ENDPOINT',
  'AWS_USE_DUALSTACK_ENDPOINT',
  'AWS_ENDPOINT_URL',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
]);
const isAwsSdkVariable = (name: string) => AWS_SDK_VARIABLES.has(name) || /^AWS_ENDPOINT_URL_[A-Z0-9_]+$/.test(name);

/** Values that must only ever come from a Secret. */
const SECRET_VARIABLES = ['CONDUCTORONE_CLIENT_SECRET', 'CONDUCTORONE_ACCESS_TOKEN', 'ROUTER_SECRET', 'CURSOR_SECRET'];
/** Long-lived AWS keys: IRSA or EKS Pod Identity instead. */
const AWS_STATIC_CREDENTIALS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

const HTTP_PATHS = new Set(
  tableRows(readmeSection('HTTP endpoints')).flatMap((row) =>
    backticked(row[0]!).flatMap((cell) => cell.match(/\/[a-z/]+/g) ?? []),
  ),
);

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Kubernetes CPU and memory quantities, in cores and bytes. */
function quantity(value: string | number): number {
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(String(value));
  if (!match) throw new Error(`not a quantity: ${value}`);
  const units: Record<string, number> = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
  };
  const unit = units[match[2]!];
  if (unit === undefined) throw new Error(`unknown unit in ${value}`);
  return Number(match[1]) * unit;
}

/** Router durations such as `15s`, `500ms`, `1m`. */
function durationMs(value: string): number {
  const match = /^(\d+)(ms|s|m)$/.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
}

/** A number setting as the ConfigMap sets it, else README's default. */
function configured(name: string, fallback: number): number {
  const value = configData[name];
  return value === undefined ? fallback : Number(value);
}

function probePath(probe: any, kind: string): string {
  expect(probe?.httpGet, `the container needs an HTTP ${kind}`).toBeDefined();
  const port = probe.httpGet.port;
  expect(port === 'http' || port === 4001, `${kind} must probe the http port (4001), not ${port}`).toBe(true);
  return probe.httpGet.path;
}

/** Valid stand-ins for each Secret key, to prove the ConfigMap plus a filled-in Secret starts. */
function validSecretValue(key: string): string {
  switch (key) {
    case 'ROUTER_SECRET':
      return randomBytes(24).toString('base64url');
    case 'CURSOR_SECRET':
      return randomBytes(48).toString('base64url');
    case 'CONDUCTORONE_CLIENT_ID':
      return 'deploy-test@acme.conductor.one/spc';
    case 'CONDUCTORONE_CLIENT_SECRET': {
      const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
      return `secret-token:conductorone.com:v1:${Buffer.from(JSON.stringify(jwk)).toString('base64url')}`;
    }
    case 'CONDUCTORONE_ACCESS_TOKEN':
      return randomBytes(32).toString('base64url');
    default:
      throw new Error(`test/deploy.test.ts has no valid stand-in for the Secret key ${key}: add one`);
  }
}

const stringRecord = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, String(v)]));

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('deploy/ files', () => {
  it('every YAML file parses without errors or warnings', () => {
    expect(YAML_FILES.length).toBeGreaterThan(0);
    for (const { file, docs } of parsed) {
      for (const doc of docs) {
        expect(
          doc.errors.map((e) => e.message),
          `${file} must be valid YAML`,
        ).toEqual([]);
        expect(
          doc.warnings.map((e) => e.message),
          `${file} has YAML warnings`,
        ).toEqual([]);
      }
    }
  });

  it('docs/deploy.md references every file under deploy/', () => {
    const doc = read('docs/deploy.md');
    for (const file of DEPLOY_FILES.filter((f) => !f.endsWith('.gitignore'))) {
      expect(doc, `docs/deploy.md must mention ${file}`).toContain(file.replace(/^deploy\//, ''));
    }
  });

  it('kustomization.yaml lists every manifest except the Secret example', () => {
    const kustomization = manifests.find((m) => m.doc.kind === 'Kustomization')!.doc;
    const manifestFiles = [...new Set(k8s.map((m) => m.file))].filter((f) => !f.endsWith('kustomization.yaml'));
    const listed = (kustomization.resources as string[]).map((r) => `deploy/kubernetes/${r}`);
    expect(listed, 'rule: the Secret example holds placeholders and must never be applied').not.toContain(secret.file);
    expect(listed.sort(), 'rule: kustomization.yaml must list every other manifest').toEqual(
      manifestFiles.filter((f) => f !== secret.file).sort(),
    );
    const imageName = String(container.image).replace(/[:@].*$/, '');
    for (const image of kustomization.images ?? []) {
      expect(image.name, 'rule: kustomization images[].name must match the Deployment image').toBe(imageName);
    }
  });
});

describe('environment variables', () => {
  const named: Array<{ name: string; where: string }> = [
    ...Object.keys(configData).map((name) => ({ name, where: 'configmap.yaml' })),
    ...Object.keys(secretData).map((name) => ({ name, where: 'secret.example.yaml' })),
    ...(container.env ?? []).map((e: any) => ({ name: e.name as string, where: 'deployment.yaml env' })),
    ...['deploy/kubernetes/configmap.yaml', secret.file].flatMap((file) =>
      commentedKeys(file).map((name) => ({ name, where: `${file} (commented out)` })),
    ),
  ];

  it('parses the README configuration table', () => {
    for (const name of ['PORT', 'NODE_ENV', 'SHUTDOWN_DELAY_MS', 'CURSOR_SECRET', 'AUTH_DISABLED']) {
      expect(DOCUMENTED.has(name), `README's table documents ${name}`).toBe(true);
    }
    expect(DOCUMENTED.has('UPSTREAM_UNAVAILABLE'), 'error codes are not variables').toBe(false);
  });

  it('every variable set in the ConfigMap, the Secret or the Deployment is documented in README or standard AWS SDK', () => {
    expect(named.length).toBeGreaterThan(0);
    for (const { name, where } of named) {
      expect(
        DOCUMENTED.has(name) || isAwsSdkVariable(name),
        `${name} (${where}) is neither in README's configuration table nor a standard AWS SDK variable`,
      ).toBe(true);
    }
  });

  it('secrets only come from the Secret; no static AWS keys anywhere', () => {
    for (const name of SECRET_VARIABLES) {
      expect(configData, `rule: ${name} is a secret and must not be in the ConfigMap`).not.toHaveProperty(name);
      const inline = (container.env ?? []).find((e: any) => e.name === name);
      expect(inline?.value, `rule: ${name} must not have an inline value in the Deployment`).toBeUndefined();
    }
    for (const { name, where } of named) {
      expect(AWS_STATIC_CREDENTIALS, `rule: ${name} (${where}): use IRSA or EKS Pod Identity, not keys`).not.toContain(
        name,
      );
    }
    for (const name of ['ROUTER_SECRET', 'CURSOR_SECRET']) {
      expect(secretData, `rule: the Secret example must carry ${name} (the same on every replica)`).toHaveProperty(
        name,
      );
    }
  });

  it('the ConfigMap holds string values with production settings', () => {
    for (const [key, value] of Object.entries(configData)) {
      expect(typeof value, `rule: ConfigMap value of ${key} must be a string (quote numbers and booleans)`).toBe(
        'string',
      );
    }
    expect(configData['NODE_ENV'], 'rule: NODE_ENV=production').toBe('production');
    expect(configData['SANDBOX'] ?? 'false', 'rule: no sandbox in production').toBe('false');
    expect(configData['AUTH_DISABLED'] ?? 'false', 'rule: caller authentication stays on').toBe('false');
    expect(
      'AUTH_JWKS_URL' in configData || 'AUTH_JWT_PUBLIC_KEY' in configData,
      'rule: production needs AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY',
    ).toBe(true);
    expect(configData, 'rule: JWT authentication needs AUTH_ISSUER').toHaveProperty('AUTH_ISSUER');
    expect(configData, 'rule: JWT authentication needs AUTH_AUDIENCE').toHaveProperty('AUTH_AUDIENCE');
  });

  it('the Secret example holds only placeholders, which the subgraph refuses at start-up', () => {
    expect(read(secret.file), 'rule: the example says it holds placeholders').toMatch(/EXAMPLE ONLY.*PLACEHOLDER/is);
    for (const [key, value] of Object.entries(secretData)) {
      expect(String(value), `rule: ${key} in the example must be the CHANGE_ME placeholder`).toBe('CHANGE_ME');
    }
    const env = { ...stringRecord(configData), ...stringRecord(secretData) };
    expect(() => loadConfig(env), 'the placeholders must stop start-up').toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('ROUTER_SECRET');
      expect(problems).toContain('CURSOR_SECRET');
    }
  });

  it('the ConfigMap with a filled-in Secret is a valid production configuration', () => {
    // As Kubernetes assembles it: envFrom (the ConfigMap, then the Secret), then `env` over them.
    const env = {
      ...stringRecord(configData),
      ...Object.fromEntries(Object.keys(secretData).map((key) => [key, validSecretValue(key)])),
      ...containerEnv(),
    };
    const config = loadConfig(env);
    expect(config.production).toBe(true);
    expect(config.auth.kind).toBe('jwt');
    expect(config.port).toBe(4001);
    expect(config.upstreams, 'every upstream is real (none sandboxed, none unconfigured)').toEqual({
      iotManagedIntegrations: 'real',
      appFabric: 'real',
      conductorOne: 'real',
    });
  });
});

describe('Deployment', () => {
  it("sets the region in the container's env, where the EKS webhook cannot replace it, and nowhere else", () => {
    // Under IRSA the pod-identity webhook adds AWS_REGION and AWS_DEFAULT_REGION (the cluster's
    // region) unless the container's `env` names them; it does not read `envFrom`, and `env` wins.
    expect(containerEnv(), 'rule: both region variables in env').toMatchObject({
      AWS_REGION: expect.stringMatching(/^[a-z]{2}(-[a-z]+)+-\d$/),
      AWS_DEFAULT_REGION: containerEnv()['AWS_REGION'],
    });
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
      expect(configData, `rule: ${name} not in the ConfigMap`).not.toHaveProperty(name);
    }
  });

  it('listens on port 4001 named http, as the image EXPOSEs and README documents', () => {
    const http = container.ports.find((p: any) => p.name === 'http');
    expect(http.containerPort, 'rule: the container port is 4001').toBe(4001);
    expect(readmeDefault('PORT'), "README's PORT default").toBe(4001);
    expect(Number(configData['PORT'] ?? 4001), 'rule: the ConfigMap PORT matches the container port').toBe(4001);
    expect(read('Dockerfile'), 'rule: the image EXPOSEs the same port').toMatch(/^EXPOSE\s+4001\b/m);
  });

  it('probes /healthz for liveness and startup, /readyz for readiness, paths README documents', () => {
    expect(probePath(container.livenessProbe, 'livenessProbe'), 'rule: liveness is /healthz').toBe('/healthz');
    expect(probePath(container.readinessProbe, 'readinessProbe'), 'rule: readiness is /readyz').toBe('/readyz');
    const startup = probePath(container.startupProbe, 'startupProbe');
    for (const path of ['/healthz', '/readyz', startup]) {
      expect(HTTP_PATHS.has(path), `rule: ${path} must be an endpoint README documents`).toBe(true);
    }
    expect(container.lifecycle?.preStop, 'no preStop sleep: the subgraph fails /readyz itself').toBeUndefined();
  });

  it('runs non-root with a read-only root filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
    const pod = podSpec.securityContext ?? {};
    const c = container.securityContext ?? {};
    const effective = (key: string) => c[key] ?? pod[key];
    expect(effective('runAsNonRoot'), 'rule: runAsNonRoot: true').toBe(true);
    expect(effective('runAsUser'), 'rule: runAsUser: 1000 (the image user `node`)').toBe(1000);
    const imageUser = [...read('Dockerfile').matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1];
    expect(imageUser?.split(':')[0], "rule: runAsUser matches the Dockerfile's USER").toBe(
      String(effective('runAsUser')),
    );
    expect(c.readOnlyRootFilesystem, 'rule: readOnlyRootFilesystem: true').toBe(true);
    expect(c.allowPrivilegeEscalation, 'rule: allowPrivilegeEscalation: false').toBe(false);
    expect(c.privileged ?? false, 'rule: not privileged').toBe(false);
    expect(c.capabilities?.drop, 'rule: capabilities drop ALL').toContain('ALL');
    expect(c.capabilities?.add ?? [], 'rule: no capabilities added').toEqual([]);
    expect(effective('seccompProfile')?.type, 'rule: seccompProfile RuntimeDefault').toBe('RuntimeDefault');
    for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) {
      expect(podSpec[key] ?? false, `rule: no ${key}`).toBe(false);
    }
  });

  it('sets resource requests and limits for CPU and memory, requests within limits', () => {
    const { requests, limits } = container.resources ?? {};
    for (const resource of ['cpu', 'memory']) {
      expect(requests?.[resource], `rule: resources.requests.${resource}`).toBeDefined();
      expect(limits?.[resource], `rule: resources.limits.${resource}`).toBeDefined();
      expect(quantity(requests[resource]), `rule: requests.${resource} <= limits.${resource}`).toBeLessThanOrEqual(
        quantity(limits[resource]),
      );
    }
  });

  it('takes its environment from the ConfigMap and the Secret', () => {
    const refs = container.envFrom ?? [];
    expect(
      refs.some((r: any) => r.configMapRef?.name === configMap.metadata.name),
      'rule: envFrom the ConfigMap',
    ).toBe(true);
    expect(
      refs.some((r: any) => r.secretRef?.name === secret.doc.metadata.name),
      'rule: envFrom the Secret',
    ).toBe(true);
  });

  it('gives the drain time to finish: terminationGracePeriodSeconds >= (SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS) / 1000', () => {
    const production = configData['NODE_ENV'] === 'production';
    // README: SHUTDOWN_DELAY_MS defaults to 5000 in production, else 0.
    const delay = configured('SHUTDOWN_DELAY_MS', production ? 5000 : 0);
    const timeout = configured('SHUTDOWN_TIMEOUT_MS', readmeDefault('SHUTDOWN_TIMEOUT_MS'));
    const grace = podSpec.terminationGracePeriodSeconds ?? 30;
    expect(grace, 'rule: terminationGracePeriodSeconds >= (delay + timeout) / 1000').toBeGreaterThanOrEqual(
      (delay + timeout) / 1000,
    );
    expect(grace * 1000, 'rule: and strictly above, leaving time to close the upstream clients').toBeGreaterThan(
      delay + timeout,
    );
    expect(delay, 'rule: a production drain keeps serving while endpoints update').toBeGreaterThan(0);
    const requestTimeout = configured('REQUEST_TIMEOUT_MS', readmeDefault('REQUEST_TIMEOUT_MS'));
    expect(
      timeout,
      'rule: SHUTDOWN_TIMEOUT_MS >= REQUEST_TIMEOUT_MS, so in-flight requests can finish',
    ).toBeGreaterThanOrEqual(requestTimeout);
  });

  it('uses the IRSA service account', () => {
    expect(podSpec.serviceAccountName, 'rule: the pod uses the ServiceAccount manifest').toBe(
      serviceAccount.metadata.name,
    );
    expect(serviceAccount.metadata.annotations?.['eks.amazonaws.com/role-arn'], 'rule: the IRSA annotation').toMatch(
      /^arn:aws[a-z-]*:iam::[^:]+:role\/.+$/,
    );
  });
});

describe('Service, HPA, PDB, NetworkPolicy', () => {
  const selector: Record<string, string> = deployment.spec.selector.matchLabels;

  it("the Deployment's selector matches its pod template", () => {
    expect(selects(selector, podLabels), 'rule: spec.selector matches the template labels').toBe(true);
  });

  it('the Service selects the pods and targets the http port (4001)', () => {
    expect(selects(service.spec.selector, podLabels), "rule: the Service selects the Deployment's pods").toBe(true);
    const port = service.spec.ports.find((p: any) => p.name === 'http');
    expect(port?.port, 'rule: the Service port is 4001').toBe(4001);
    expect(port?.targetPort === 'http' || port?.targetPort === 4001, 'rule: targetPort is the http port').toBe(true);
  });

  it('the HPA (autoscaling/v2) scales this Deployment on CPU, with at least 2 replicas', () => {
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef, 'rule: the HPA targets the Deployment').toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(
      hpa.spec.metrics.some((m: any) => m.type === 'Resource' && m.resource?.name === 'cpu'),
      'rule: the HPA scales on CPU',
    ).toBe(true);
    expect(
      hpa.spec.minReplicas,
      'rule: at least two replicas, so a disruption keeps one serving',
    ).toBeGreaterThanOrEqual(2);
    expect(
      deployment.spec.replicas,
      'rule: replicas belong to the HPA (kubectl apply would reset them)',
    ).toBeUndefined();
  });

  it('the PDB (policy/v1) selects the Deployment and bounds disruptions', () => {
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec.selector.matchLabels, "rule: the PDB selects exactly the Deployment's pods").toEqual(selector);
    const bounded = pdb.spec.minAvailable === 1 || pdb.spec.maxUnavailable === 1;
    expect(bounded, 'rule: minAvailable: 1 or maxUnavailable: 1').toBe(true);
  });

  it('the NetworkPolicy selects the pods and admits only port 4001', () => {
    const policy = one('NetworkPolicy').doc;
    expect(selects(policy.spec.podSelector.matchLabels, podLabels), 'rule: the policy selects the pods').toBe(true);
    expect(policy.spec.policyTypes).toContain('Ingress');
    for (const rule of policy.spec.ingress) {
      expect(rule.from?.length, 'rule: every ingress rule names its sources').toBeGreaterThan(0);
      expect(
        rule.ports.map((p: any) => p.port),
        'rule: only the http port',
      ).toEqual([4001]);
    }
  });
});

describe('IAM policy', () => {
  const EXPECTED_ACTIONS = [
    'iotmanagedintegrations:GetConnectorDestination',
    'iotmanagedintegrations:ListConnectorDestinations',
    'iotmanagedintegrations:GetCloudConnector',
    'iotmanagedintegrations:ListCloudConnectors',
    'appfabric:GetAppAuthorization',
    'appfabric:ListAppAuthorizations',
    'appfabric:ConnectAppAuthorization',
  ];
  const policy = JSON.parse(read('deploy/iam-policy.json')) as { Version: string; Statement: any[] };
  const list = (value: unknown): string[] =>
    Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];
  const actions = policy.Statement.flatMap((s) => list(s.Action));

  it('allows exactly the seven actions the subgraph uses, and no wildcard action', () => {
    expect(policy.Version).toBe('2012-10-17');
    for (const statement of policy.Statement) {
      expect(statement.Effect, 'rule: only Allow statements').toBe('Allow');
      expect(statement.NotAction, 'rule: no NotAction (it allows everything else)').toBeUndefined();
      expect(statement.NotResource, 'rule: no NotResource').toBeUndefined();
    }
    for (const action of actions) expect(action, `rule: no wildcard action (${action})`).not.toContain('*');
    expect([...actions].sort(), 'rule: exactly the seven actions').toEqual([...EXPECTED_ACTIONS].sort());
    expect(new Set(actions).size, 'rule: no duplicates').toBe(actions.length);
  });

  it('matches the operations the AWS clients implement', () => {
    const operations = (path: string, prefix: string) =>
      [...read(path).matchAll(/^\s*name: '([A-Za-z]+)',$/gm)].map((m) => `${prefix}:${m[1]}`);
    const implemented = [
      ...operations('src/adapters/iotManagedIntegrations/client.ts', 'iotmanagedintegrations'),
      ...operations('src/adapters/appFabric/client.ts', 'appfabric'),
    ];
    expect(implemented.sort(), 'rule: one action per operation in the AWS clients, no more').toEqual(
      [...actions].sort(),
    );
    // And every operation a client implements is one its adapter calls: no permission for dead code.
    for (const [client, adapter] of [
      ['src/adapters/iotManagedIntegrations/client.ts', 'src/adapters/iotManagedIntegrations/adapter.ts'],
      ['src/adapters/appFabric/client.ts', 'src/adapters/appFabric/adapter.ts'],
    ] as const) {
      const methods = [...read(client).matchAll(/^ {2}([a-z][A-Za-z]+)\(input: /gm)].map((m) => m[1]!);
      expect(methods.length).toBeGreaterThan(0);
      for (const method of methods) {
        expect(read(adapter), `rule: ${adapter} calls ${method}`).toMatch(new RegExp(`client\\s*\\.${method}\\(`));
      }
    }
  });

  it('scopes AppFabric to app bundle and app authorization ARNs (Service Authorization Reference)', () => {
    for (const statement of policy.Statement) {
      const services = new Set(list(statement.Action).map((a) => a.split(':')[0]));
      expect(services.size, 'rule: one service per statement').toBe(1);
      const resources = list(statement.Resource);
      if (services.has('appfabric')) {
        expect(resources.sort()).toEqual([
          'arn:aws:appfabric:<region>:<account-id>:appbundle/*',
          'arn:aws:appfabric:<region>:<account-id>:appbundle/*/appauthorization/*',
        ]);
      } else {
        expect(resources, 'IoT Managed Integrations: "*" (see docs/deploy.md)').toEqual(['*']);
        expect(statement.Condition?.StringEquals?.['aws:RequestedRegion'], 'rule: "*" is narrowed to one region').toBe(
          '<region>',
        );
      }
    }
  });
});

describe('router and gateway examples', () => {
  const supergraph = manifests.find((m) => m.file === 'deploy/router/supergraph.yaml')!.doc;
  const router = manifests.find((m) => m.file === 'deploy/router/router.yaml')!.doc;
  const requestTimeout = configured('REQUEST_TIMEOUT_MS', readmeDefault('REQUEST_TIMEOUT_MS'));

  it('supergraph.yaml composes with Federation 2.9, as the schema links, and routes to the Service', () => {
    expect(String(supergraph.federation_version), 'rule: federation_version =2.9.x').toMatch(/^=2\.9\.\d+$/);
    expect(read('schema/schema.graphql')).toContain('https://specs.apollo.dev/federation/v2.9');
    const kustomization = manifests.find((m) => m.doc.kind === 'Kustomization')!.doc;
    expect(supergraph.subgraphs['connector-auth'].routing_url, 'rule: routing_url is the Service').toBe(
      `http://${service.metadata.name}.${kustomization.namespace}.svc.cluster.local:4001/graphql`,
    );
  });

  it("router.yaml forwards authorization, adds router-authorization only for this subgraph, passes errors' codes only", () => {
    // Apollo Router drops every extension of a subgraph error unless allowed: `code` must pass, as
    // frontends act on it; `upstream` (upstream names, operations, statuses) must not.
    expect(router.include_subgraph_errors, 'rule: include_subgraph_errors passes code and nothing internal').toEqual({
      all: { redact_message: true, allow_extensions_keys: ['code'] },
      subgraphs: { 'connector-auth': { redact_message: false, allow_extensions_keys: ['argumentPath'] } },
    });
    const rules: any[] = router.headers.subgraphs['connector-auth'].request;
    expect(rules, 'rule: propagate the caller JWT').toContainEqual({ propagate: { named: 'authorization' } });
    expect(rules, 'rule: insert router-authorization from ROUTER_SECRET').toContainEqual({
      insert: { name: 'router-authorization', value: '${env.ROUTER_SECRET}' },
    });
    const everywhere = JSON.stringify(router.headers.all ?? {});
    expect(everywhere, 'rule: the router secret must not go to every subgraph').not.toContain('router-authorization');
  });

  it("router.yaml's subgraph timeout is above REQUEST_TIMEOUT_MS and below 30 s", () => {
    const timeout = durationMs(router.traffic_shaping.subgraphs['connector-auth'].timeout);
    expect(timeout, 'rule: above the subgraph deadline').toBeGreaterThan(requestTimeout);
    expect(timeout, 'rule: below 30 s').toBeLessThan(30_000);
    expect(router.traffic_shaping.subgraphs['connector-auth'].deduplicate_query, 'rule: no shared answers').toBe(false);
  });

  it('router.yaml configures no entity or response caching', () => {
    const walk = (node: unknown, path: string): void => {
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (/entity_cache|response_cache/.test(key)) {
          expect((value as any)?.enabled, `rule: ${path}${key} must not be enabled`).toBe(false);
        }
        walk(value, `${path}${key}.`);
      }
    };
    walk(router, '');
  });

  it('the Hive Gateway config forwards authorization and router-authorization to this subgraph only', () => {
    const source = read('deploy/hive/gateway.config.ts');
    const output = ts.transpileModule(source, {
      fileName: 'gateway.config.ts',
      reportDiagnostics: true,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    });
    expect(output.diagnostics ?? [], 'gateway.config.ts must be valid TypeScript').toEqual([]);
    const module = { exports: {} as Record<string, any> };
    const imports: string[] = [];
    vm.runInNewContext(output.outputText, {
      module,
      exports: module.exports,
      process: { env: { ROUTER_SECRET: 'router-secret-from-env' } },
      require: (id: string) => {
        imports.push(id);
        if (id !== '@graphql-hive/gateway') throw new Error(`unexpected import ${id}`);
        return { defineConfig: (config: unknown) => config };
      },
    });
    expect(imports).toEqual(['@graphql-hive/gateway']);
    const config = module.exports['gatewayConfig'];
    const forward = config.propagateHeaders.fromClientToSubgraphs;
    const request = new Request('http://gateway/graphql', {
      headers: { authorization: 'Bearer caller-jwt', 'router-authorization': 'forged-by-client' },
    });
    expect(forward({ request, subgraphName: 'connector-auth' })).toEqual({
      authorization: 'Bearer caller-jwt',
      'router-authorization': 'router-secret-from-env',
    });
    expect(forward({ request, subgraphName: 'other' }) ?? {}, 'rule: nothing forwarded to other subgraphs').toEqual({});
    expect(config.upstreamTimeout, 'rule: above REQUEST_TIMEOUT_MS').toBeGreaterThan(requestTimeout);
    expect(config.upstreamTimeout, 'rule: below 30 s').toBeLessThan(30_000);
    expect(config.responseCaching, 'rule: no response caching').toBeUndefined();
    expect(config.upstreamRetry, 'rule: no gateway retries (single-use OAuth codes)').toBeUndefined();
  });
});
