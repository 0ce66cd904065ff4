export { runEventBusContract, type EventBusContractTarget } from './event-bus.contract.js';
export { createBusFromSpec, type BusSpec } from './child-bus.js';
export { Collected, waitFor, type WaitOptions } from './wait-for.js';
