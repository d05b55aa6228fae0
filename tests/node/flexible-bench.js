// One contender of the load benchmark (tests/GrainLimiter.Benchmarks, `load` verb): rate-limiter-flexible's
// RateLimiterRedis on ioredis (one EVALSHA per decision), driven like the .NET contenders: the same concurrency,
// the same key distribution, bounded in time and in requests. Prints one JSON object on stdout.
//
//   node tests/node/flexible-bench.js --redis 127.0.0.1:6379 --seconds 5 --warmup 1 --concurrency 64 \
//        --keys 100000 --distribution zipf [--zipf 0.99] [--max-requests 10000000] [--rate 20000] \
//        [--points 1000000000 --window-seconds 3600]   (the limit; the attack phase: --distribution attack --key K --points 200 --window-seconds 1)
//   node tests/node/flexible-bench.js --redis 127.0.0.1:6379 --accuracy-key hot:1 --points 1000 --requests 5000 --concurrency 64
'use strict';
const Redis = require('ioredis');
const { RateLimiterRedis } = require('rate-limiter-flexible');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const [host, port] = arg('redis', '127.0.0.1:6379').split(':');
const concurrency = Number(arg('concurrency', '64'));

// Key picker: uniform over N keys, Zipf(s) over N keys (rank 0 the hottest), or one key (attack), as KeyDistribution.cs does.
function keyPicker(n, distribution, s, key) {
  if (distribution === 'attack') return () => key;
  const names = Array.from({ length: n }, (_, i) => `k${i}`);
  if (distribution === 'uniform') return () => names[Math.floor(Math.random() * n)];
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) { sum += 1 / Math.pow(i + 1, s); cdf[i] = sum; }
  for (let i = 0; i < n; i++) cdf[i] /= sum;
  return () => {
    const u = Math.random();
    let lo = 0; let hi = n - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cdf[mid] < u) lo = mid + 1; else hi = mid; }
    return names[lo];
  };
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Closed loop, or paced at `rate` requests/s in all (--rate): worker i's requests are due every concurrency/rate
// seconds, offset by i/concurrency of that, as the .NET driver paces; latency counts from the actual send.
async function drive(limiter, nextKey, seconds, maxRequests, record, rate) {
  let issued = 0;
  const begun = process.hrtime.bigint();
  const end = begun + BigInt(Math.round(seconds * 1e9));
  const intervalNs = rate ? (concurrency / rate) * 1e9 : 0;
  const worker = async (index) => {
    for (let n = 0; issued < maxRequests && process.hrtime.bigint() < end; n++) {
      if (intervalNs > 0) {
        const due = Number(begun) + (n + index / concurrency) * intervalNs;
        if (due >= Number(end)) break; // not due within the phase
        const waitMs = (due - Number(process.hrtime.bigint())) / 1e6;
        if (waitMs >= 1) await sleep(waitMs);
        if (process.hrtime.bigint() >= end) break;
      }
      issued++;
      const start = process.hrtime.bigint();
      let outcome;
      try {
        await limiter.consume(nextKey(), 1);
        outcome = 'admitted';
      } catch (e) {
        // A denial rejects with a RateLimiterRes; anything else is an error.
        outcome = e && typeof e.msBeforeNext === 'number' ? 'denied' : 'error';
      }
      record(outcome, Number(process.hrtime.bigint() - start));
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

(async () => {
  const redis = new Redis({ host, port: Number(port), lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  await redis.connect();
  try {
    const accuracyKey = arg('accuracy-key', '');
    if (accuracyKey) {
      const points = Number(arg('points', '1000'));
      const limiter = new RateLimiterRedis({ storeClient: redis, points, duration: 3600, keyPrefix: 'rlflx-acc' });
      const counts = { admitted: 0, denied: 0, error: 0 };
      await drive(limiter, () => accuracyKey, 3600, Number(arg('requests', '5000')), (o) => { counts[o]++; });
      process.stdout.write(JSON.stringify(counts) + '\n');
      return;
    }

    const limiter = new RateLimiterRedis({
      storeClient: redis, points: Number(arg('points', '1000000000')), duration: Number(arg('window-seconds', '3600')), keyPrefix: 'rlflx',
    });
    const nextKey = keyPicker(Number(arg('keys', '100000')), arg('distribution', 'uniform'), Number(arg('zipf', '0.99')), arg('key', 'attack'));
    const maxRequests = Number(arg('max-requests', '100000000'));
    const rate = Number(arg('rate', '0'));
    let warmupDecisions = 0;
    await drive(limiter, nextKey, Number(arg('warmup', '1')), maxRequests, (o) => { if (o !== 'error') warmupDecisions++; }, rate);
    const latencies = [];
    const counts = { admitted: 0, denied: 0, error: 0 };
    const elapsed = await drive(limiter, nextKey, Number(arg('seconds', '5')), maxRequests, (o, ns) => {
      counts[o]++;
      if (o !== 'error') latencies.push(ns);
    }, rate);
    latencies.sort((a, b) => a - b);
    process.stdout.write(JSON.stringify({
      decisions: counts.admitted + counts.denied,
      admitted: counts.admitted,
      warmupDecisions,
      errors: counts.error,
      seconds: elapsed,
      p50Ns: percentile(latencies, 0.5),
      p99Ns: percentile(latencies, 0.99),
      p999Ns: percentile(latencies, 0.999),
    }) + '\n');
  } finally {
    redis.disconnect();
  }
})().catch((e) => { process.stderr.write(`${e.stack || e}\n`); process.exit(1); });
