// Lists a server's services and one service's methods through gRPC server reflection (grpc-js-reflection-client),
// as grpcurl's `list` does. stdin: { "address": "127.0.0.1:port", "service": "pkg.Service" }
// stdout: { "v1": [services], "v1alpha": [services], "methods": [method names of "service"] }
'use strict';
const grpc = require('@grpc/grpc-js');
const { GrpcReflection } = require('grpc-js-reflection-client');

function readStdin() {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => (text += chunk));
    process.stdin.on('end', () => resolve(JSON.parse(text)));
    process.stdin.on('error', reject);
  });
}

(async () => {
  const input = await readStdin();
  const result = {};
  for (const version of ['v1', 'v1alpha']) {
    const client = new GrpcReflection(input.address, grpc.credentials.createInsecure(), {}, version);
    result[version] = (await client.listServices()).sort();
    if (version === 'v1') result.methods = (await client.listMethods(input.service)).map((m) => m.name).sort();
  }
  process.stdout.write(JSON.stringify([result]));
  process.exit(0);
})().catch((e) => {
  process.stderr.write(String((e && e.stack) || e));
  process.exit(1);
});
