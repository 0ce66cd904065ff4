/** Injection token of the application's `EventBus`. */
export const EVENT_BUS = Symbol('cairn:EVENT_BUS');

/** Injection token of the `EventsModuleOptions`. */
export const EVENTS_MODULE_OPTIONS = Symbol('cairn:EVENTS_MODULE_OPTIONS');
