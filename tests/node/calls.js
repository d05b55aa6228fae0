// Runs a list of unary calls with @grpc/grpc-js and prints one JSON result per call.
// stdin: { "address": "127.0.0.1:port", "calls": [ { "service", "method", "request", "deadlineMs"?, "gzip"?, "raw"? } ] }
// A call's result: { "code": 0 | grpc status, "details": "...", "response": {...} | null, "metadata": {...} }.
'use strict';
const { grpc, services } = require('./protos');

function readStdin() {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => (text += chunk));
    process.stdin.on('end', () => resolve(JSON.parse(text)));
    process.stdin.on('error', reject);
  });
}

function clientFor(cache, address, service, gzip) {
  const id = `${service}|${gzip}`;
  if (!cache.has(id)) {
    const options = gzip ? { 'grpc.default_compression_algorithm': 2, 'grpc.default_compression_level': 2 } : {};
    const Client = service === '*' ? grpc.makeGenericClientConstructor({}, 'Any') : services[service];
    cache.set(id, new Client(address, grpc.credentials.createInsecure(), options));
  }
  return cache.get(id);
}

function call(client, spec) {
  return new Promise((resolve) => {
    const options = spec.deadlineMs ? { deadline: new Date(Date.now() + spec.deadlineMs) } : {};
    const metadata = new grpc.Metadata();
    const done = (error, response) => {
      if (error) {
        resolve({ code: error.code, details: error.details, response: null });
      } else {
        resolve({ code: 0, details: '', response });
      }
    };
    if (spec.raw !== undefined) {
      // A method the proto files do not declare: raw bytes in and out.
      client.makeUnaryRequest(`/${spec.service === '*' ? spec.rawService : spec.service}/${spec.method}`,
        (b) => b, (b) => ({ bytes: b.length }), Buffer.from(spec.raw, 'hex'), metadata, options, done);
      return;
    }
    client[spec.method](spec.request, metadata, options, done);
  });
}

(async () => {
  const input = await readStdin();
  const cache = new Map();
  const results = [];
  for (const spec of input.calls) {
    results.push(await call(clientFor(cache, input.address, spec.service, !!spec.gzip), spec));
  }
  for (const client of cache.values()) client.close();
  process.stdout.write(JSON.stringify(results));
})().catch((e) => {
  process.stderr.write(String(e && e.stack || e));
  process.exit(1);
});
