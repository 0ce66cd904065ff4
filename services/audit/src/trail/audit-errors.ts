/** A request the audit service cannot serve as asked (INVALID_ARGUMENT). */
export class InvalidAuditRequestError extends Error {
  override readonly name = 'InvalidAuditRequestError';

  constructor(
    message: string,
    readonly reason: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** Nothing recorded about what was asked for (NOT_FOUND). */
export class AuditSubjectNotFoundError extends Error {
  override readonly name = 'AuditSubjectNotFoundError';

  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}
