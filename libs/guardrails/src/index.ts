export * from './verdict.js';
export * from './pii/pii-types.js';
export * from './pii/pii-detector.js';
export { luhnValid, ibanChecksumValid } from './pii/checksums.js';
export * from './injection/injection-signals.js';
export * from './injection/injection-detector.js';
export { normaliseForDetection, type NormalisedText } from './injection/normalise.js';
