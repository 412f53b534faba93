/**
 * The benchmark's upstreams: the wire-level AWS simulator (IoT Managed Integrations and AppFabric,
 * SigV4 verified) and the ConductorOne simulator (client assertions verified), over the bench
 * seed, on 127.0.0.1, in a process of their own so that their CPU is not the contenders'.
 * `bench/run.ts` starts it with an IPC channel and sets a fixed latency per phase.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { startAwsSimulator } from '../src/sandbox/aws/awsSimulator.ts';
import { startConductorOneSimulator } from '../src/sandbox/conductorOne/conductorOneSimulator.ts';
import type { RecordedRequest, UpstreamCommand, UpstreamMessage } from './protocol.ts';
import { createBenchSeed } from './seed.ts';

const send = process.send?.bind(process) as ((message: UpstreamMessage) => boolean) | undefined;
if (!send) {
  process.stderr.write('bench/upstreams.ts is started by bench/run.ts (it needs an IPC channel).\n');
  process.exit(2);
}

const REGION = 'us-east-1';
const AUDIENCE = 'bench.conductor.one';
const seed = createBenchSeed(new Date());
const awsCredential = { accessKeyId: 'AKIABENCH0000000000', secretAccessKey: randomBytes(30).toString('base64') };
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const clientId = `bench-runner@${AUDIENCE}/spc`;
const clientSecret = `secret-token:conductorone.com:v1:${Buffer.from(JSON.stringify(privateKey.export({ format: 'jwk' }))).toString('base64url')}`;

const aws = await startAwsSimulator({ seed, region: REGION, credentials: [awsCredential] });
const conductorOne = await startConductorOneSimulator({
  seed: seed.conductorOne,
  clients: [{ clientId, publicKey }],
  audience: AUDIENCE,
  accessTokenTtlSeconds: 3600,
});

function lastRequests(): Record<string, RecordedRequest> {
  const last: Record<string, RecordedRequest> = {};
  for (const [origin, requests] of [
    [aws.url, aws.requests],
    [conductorOne.url, conductorOne.requests],
  ] as const) {
    for (const { operation, method, path, headers, body } of requests) {
      last[operation] = { operation, origin, method, path, headers, body };
    }
  }
  return last;
}

process.on('message', (message: UpstreamCommand) => {
  switch (message.cmd) {
    case 'latency':
      aws.setLatency(message.ms);
      conductorOne.setLatency(message.ms);
      send({ type: 'reply', id: message.id });
      return;
    case 'resetCounters':
      // reset() also clears latency; keep the phase's latency.
      for (const counter of Object.values(aws.calls)) counter.reset();
      conductorOne.calls.reset();
      send({ type: 'reply', id: message.id });
      return;
    case 'calls':
      send({
        type: 'reply',
        id: message.id,
        calls: {
          iotManagedIntegrations: aws.calls.iotManagedIntegrations.snapshot(),
          appFabric: aws.calls.appFabric.snapshot(),
          conductorOne: conductorOne.calls.snapshot(),
        },
      });
      return;
    case 'lastRequests':
      send({ type: 'reply', id: message.id, requests: lastRequests() });
      return;
    case 'stats': {
      const memory = process.memoryUsage();
      send({ type: 'stats', id: message.id, cpu: process.cpuUsage(), memory });
      return;
    }
    case 'stop':
      void Promise.all([aws.close(), conductorOne.close()]).then(() => process.exit(0));
      return;
  }
});
process.on('disconnect', () => process.exit(0));

send({
  type: 'ready',
  awsUrl: aws.url,
  conductorOneUrl: conductorOne.url,
  env: {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: awsCredential.accessKeyId,
    AWS_SECRET_ACCESS_KEY: awsCredential.secretAccessKey,
    AWS_ENDPOINT_URL: aws.url,
    CONDUCTORONE_CLIENT_ID: clientId,
    CONDUCTORONE_CLIENT_SECRET: clientSecret,
    CONDUCTORONE_SERVER_URL: conductorOne.url,
  },
});
