// Load benchmark of one silo: decisions per second and call latency (p50/p99) for gRPC Check with batches of
// 1, 10 and 100, Envoy ShouldRateLimit, and HTTP POST /v1/check beside them. Bounded: --seconds per case.
//
//   node tests/node/bench.js --grpc 127.0.0.1:8081 --http http://127.0.0.1:8080 --policy bench --domain bench \
//        [--seconds 5] [--concurrency 64] [--keys 10000]
//
// The silo needs a policy allowing everything (e.g. fixed_window, limit 1000000000, window 1h) and an Envoy domain
// with a descriptor `key: user` limited the same way, so every call decides and none is refused.
'use strict';
const http = require('node:http');
const { grpc, services } = require('./protos');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const seconds = Number(arg('seconds', '5'));
const concurrency = Number(arg('concurrency', '64'));
const keys = Number(arg('keys', '10000'));
const policy = arg('policy', 'bench');
const domain = arg('domain', 'bench');
const grpcAddress = arg('grpc', '127.0.0.1:8081');
const httpAddress = new URL(arg('http', 'http://127.0.0.1:8080'));

let counter = 0;
const nextKey = () => `k${(counter++) % keys}`;
const checks = (n) => Array.from({ length: n }, () => ({ policy, key: nextKey(), cost: 1 }));

async function run(name, decisionsPerCall, once) {
  const latencies = [];
  let calls = 0;
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  const worker = async () => {
    while (Date.now() < end) {
      const start = process.hrtime.bigint();
      try {
        await once();
        calls++;
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
      } catch {
        errors++;
      }
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : NaN);
  return {
    name, calls, errors,
    decisionsPerSecond: Math.round((calls * decisionsPerCall) / elapsed), callsPerSecond: Math.round(calls / elapsed),
    p50ms: +pct(0.5).toFixed(3), p99ms: +pct(0.99).toFixed(3),
  };
}

function grpcCase(client, method, request) {
  return () => new Promise((resolve, reject) => client[method](request(), (e, r) => (e ? reject(e) : resolve(r))));
}

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
function httpCheck(n) {
  return () => new Promise((resolve, reject) => {
    const body = JSON.stringify({ checks: checks(n) });
    const req = http.request({ agent, host: httpAddress.hostname, port: httpAddress.port, path: '/v1/check', method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

(async () => {
  const limiter = new services['grainlimiter.v1.Limiter'](grpcAddress, grpc.credentials.createInsecure());
  const rls = new services['envoy.service.ratelimit.v3.RateLimitService'](grpcAddress, grpc.credentials.createInsecure());
  const cases = [];
  for (const n of [1, 10, 100]) {
    cases.push(await run(`gRPC Check batch ${n}`, n, grpcCase(limiter, 'Check', () => ({ checks: checks(n) }))));
    cases.push(await run(`HTTP /v1/check batch ${n}`, n, httpCheck(n)));
  }
  cases.push(await run('Envoy ShouldRateLimit (1 descriptor)', 1, grpcCase(rls, 'ShouldRateLimit',
    () => ({ domain, descriptors: [{ entries: [{ key: 'user', value: nextKey() }] }] }))));
  limiter.close();
  rls.close();
  agent.destroy();
  console.log(JSON.stringify({ seconds, concurrency, keys, cases }, null, 2));
  console.log('\n| case | decisions/s | calls/s | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|---:|');
  for (const c of cases) console.log(`| ${c.name} | ${c.decisionsPerSecond} | ${c.callsPerSecond} | ${c.p50ms} | ${c.p99ms} | ${c.errors} |`);
})();
