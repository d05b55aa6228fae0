// Drives grainlimiter.v1.Limiter/CheckStream with @grpc/grpc-js, as a client in another language would.
// stdin: { "address": "127.0.0.1:port", "batches": [ { "checks": [ { "id": "1", "check": { "checks": [...] } } ] } ],
//          "keepOpen": false }
// Writes every batch, then ends its side unless keepOpen (the server then ends the stream when it idles), and waits for the
// server to end the call. Prints [ { "answers": [...] } per response message..., { "code", "details" } ].
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

(async () => {
  const input = await readStdin();
  const client = new services['grainlimiter.v1.Limiter'](input.address, grpc.credentials.createInsecure());
  const results = [];
  const ended = new Promise((resolve) => {
    const call = client.CheckStream();
    call.on('data', (message) => results.push(message));
    call.on('error', (error) => resolve({ code: error.code, details: error.details }));
    call.on('status', (status) => resolve({ code: status.code, details: status.details }));
    for (const batch of input.batches) call.write(batch);
    if (!input.keepOpen) call.end();
  });
  results.push(await ended);
  client.close();
  process.stdout.write(JSON.stringify(results));
})().catch((e) => {
  process.stderr.write(String(e && e.stack || e));
  process.exit(1);
});
