// Loads GrainLimiter's .proto files (interfaces/Protos) with @grpc/proto-loader: the same files the silo is built from.
'use strict';
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const protoRoot = path.resolve(__dirname, '../../interfaces/Protos');
const files = [
  'grainlimiter/v1/limiter.proto',
  'envoy/service/ratelimit/v3/rls.proto',
  'grpc/health/v1/health.proto',
];

const definition = protoLoader.loadSync(files, {
  includeDirs: [protoRoot],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const loaded = grpc.loadPackageDefinition(definition);

const services = {
  'grainlimiter.v1.Limiter': loaded.grainlimiter.v1.Limiter,
  'envoy.service.ratelimit.v3.RateLimitService': loaded.envoy.service.ratelimit.v3.RateLimitService,
  'grpc.health.v1.Health': loaded.grpc.health.v1.Health,
};

// The message type of a fully qualified name, for encoding/decoding raw frames.
function messageType(name) {
  return definition[name];
}

module.exports = { grpc, services, definition, messageType };
