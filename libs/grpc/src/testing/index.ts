export * from './grpc-test-kit.js';
