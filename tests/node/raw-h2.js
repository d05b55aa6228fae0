// Sends hand-made HTTP/2 requests (node's http2 module, no gRPC library) and prints what came back:
// for malformed frames, stalled bodies (deadlines), wrong content types and hand-compressed messages.
// stdin: { "address": "127.0.0.1:port", "requests": [ { "path", "headers": {}, "bodyHex"?, "frames"?: [{ "message": "type", "value": {}, "gzip": bool }],
//          "endStream": true|false, "decode"?: "response message type" } ] }
// A result: { "status", "headers", "trailers", "bodyHex", "frames": [{ "compressed", "length", "message"? }], "error"? }
'use strict';
const http2 = require('node:http2');
const zlib = require('node:zlib');
const path = require('node:path');
const protobuf = require('protobufjs');

const protoRoot = path.resolve(__dirname, '../../interfaces/Protos');
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => (target.startsWith('google/') ? target : path.join(protoRoot, target));
root.loadSync(['grainlimiter/v1/limiter.proto', 'envoy/service/ratelimit/v3/rls.proto', 'grpc/health/v1/health.proto']);

function readStdin() {
  return new Promise((resolve) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (c) => (text += c));
    process.stdin.on('end', () => resolve(JSON.parse(text)));
  });
}

function codec(typeName) {
  return root.lookupType(typeName);
}

function frame(spec) {
  let payload = Buffer.from(codec(spec.message).encode(codec(spec.message).fromObject(spec.value)).finish());
  if (spec.gzip) payload = zlib.gzipSync(payload);
  const header = Buffer.alloc(5);
  header[0] = spec.gzip ? 1 : 0;
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

function parseFrames(body, encoding, decodeType) {
  const frames = [];
  let offset = 0;
  while (offset + 5 <= body.length) {
    const compressed = body[offset] === 1;
    const length = body.readUInt32BE(offset + 1);
    let payload = body.subarray(offset + 5, offset + 5 + length);
    offset += 5 + length;
    const result = { compressed, length };
    if (compressed && encoding === 'gzip') payload = zlib.gunzipSync(payload);
    if (decodeType) result.message = codec(decodeType).toObject(codec(decodeType).decode(payload), { longs: String, enums: String, defaults: true });
    frames.push(result);
  }
  return frames;
}

function send(session, spec) {
  return new Promise((resolve) => {
    const headers = { ':method': 'POST', ':path': spec.path, ...spec.headers };
    const stream = session.request(headers, { endStream: false });
    const result = { status: 0, headers: {}, trailers: {}, bodyHex: '', frames: [] };
    const chunks = [];
    stream.on('response', (h) => {
      result.status = h[':status'];
      for (const [k, v] of Object.entries(h)) if (!k.startsWith(':')) result.headers[k] = String(v);
    });
    stream.on('trailers', (t) => {
      for (const [k, v] of Object.entries(t)) result.trailers[k] = String(v);
    });
    stream.on('data', (d) => chunks.push(d));
    stream.on('error', (e) => (result.error = String(e.code || e.message)));
    stream.on('close', () => {
      const body = Buffer.concat(chunks);
      result.bodyHex = body.toString('hex');
      try {
        result.frames = parseFrames(body, result.headers['grpc-encoding'], spec.decode);
      } catch (e) {
        result.error = String(e.message);
      }
      resolve(result);
    });
    let body = Buffer.alloc(0);
    if (spec.bodyHex) body = Buffer.from(spec.bodyHex, 'hex');
    if (spec.frames) body = Buffer.concat(spec.frames.map(frame));
    if (body.length > 0) stream.write(body);
    if (spec.endStream !== false) stream.end();
  });
}

(async () => {
  const input = await readStdin();
  const session = http2.connect(`http://${input.address}`);
  session.on('error', () => {});
  const results = [];
  for (const spec of input.requests) results.push(await send(session, spec));
  session.close();
  process.stdout.write(JSON.stringify(results));
})().catch((e) => {
  process.stderr.write(String(e && e.stack || e));
  process.exit(1);
});
