/**
 * SpiffeId.parse throughput over IDs shaped like real deployments: Kubernetes service accounts,
 * SPIRE agents and servers, trust domain IDs and a few deeper paths.
 */
import { SpiffeId } from '@tspire/spiffe';
import { runBench } from './lib/harness.js';

const ids = [
  'spiffe://example.org',
  'spiffe://example.org/spire/server',
  'spiffe://prod.example.org/ns/default/sa/default',
  'spiffe://prod.example.org/ns/payments/sa/billing-api',
  'spiffe://cluster-1.k8s.example.com/ns/kube-system/sa/coredns',
  'spiffe://example.org/spire/agent/join_token/6d1b2f7e-3c1a-4f0e-9a52-0b7c4c9e2d11',
  'spiffe://example.org/spire/agent/k8s_psat/prod-cluster/0b7c4c9e-2d11-4f0e-9a52-6d1b2f7e3c1a',
  'spiffe://example.org/spire/agent/aws_iid/123456789012/us-east-1/i-0abcdef1234567890',
  'spiffe://staging.example.org/region/eu-west-1/service/checkout/instance/7',
  'spiffe://10.0.0.1/svc',
  'spiffe://example.org/Billing/API_v2',
  'spiffe://td.internal/web',
];

let next = 0;
let checksum = 0;

await runBench({
  name: 'spiffe-id-parse',
  warmupMs: 1000,
  durationMs: 4000,
  batch: 100,
  op: () => {
    const id = SpiffeId.parse(ids[next] as string);
    next = (next + 1) % ids.length;
    checksum += id.path.length; // keeps the result alive so the parse cannot be optimised away
  },
});

if (checksum === 0) throw new Error('spiffe-id-parse: no IDs were parsed');
