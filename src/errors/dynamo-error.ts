/**
 * @module errors/dynamo-error
 * The one error class of openddb. Every error a client can see is built
 * through a factory named after DynamoDB's `__type`, so the envelope, status
 * code and wording live in one place.
 */

const DYNAMO = 'com.amazonaws.dynamodb.v20120810#';
const CORAL_SERVICE = 'com.amazon.coral.service#';
const CORAL_VALIDATE = 'com.amazon.coral.validate#';

export class DynamoError extends Error {
  /** Extra top-level members of the error body (e.g. CancellationReasons, Item). */
  readonly extra: Record<string, unknown> | undefined;

  constructor(
    /** The full `__type`, e.g. `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException`. */
    readonly type: string,
    message: string | undefined,
    readonly statusCode: number = 400,
    extra?: Record<string, unknown>,
  ) {
    // A DynamoError is an answer to the client, not a fault to debug: no
    // stack trace. Capturing one costs ~5 µs, paid on every conditional
    // check that fails and every request refused by validation.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message ?? '');
    Error.stackTraceLimit = limit;
    this.name = 'DynamoError';
    this.extra = extra;
  }

  /** The short name, e.g. `ValidationException`. */
  get shortType(): string {
    return this.type.slice(this.type.indexOf('#') + 1);
  }

  /** The JSON body DynamoDB sends for this error. */
  toBody(): Record<string, unknown> {
    const body: Record<string, unknown> = { __type: this.type };
    // DynamoDB's deserialiser spells the member `Message`; everything else
    // says `message`. The SDKs read either.
    if (this.message !== '') {
      if (this.type === `${CORAL_SERVICE}SerializationException`) body.Message = this.message;
      else body.message = this.message;
    }
    if (this.extra) Object.assign(body, this.extra);
    return body;
  }
}

/** The short names of every error type openddb can send, for the catalog test. */
export const errors = {
  validation: (message: string) => new DynamoError(`${CORAL_VALIDATE}ValidationException`, message),
  serialization: (message: string) => new DynamoError(`${CORAL_SERVICE}SerializationException`, message),
  unknownOperation: () => new DynamoError(`${CORAL_SERVICE}UnknownOperationException`, undefined),
  missingAuthenticationToken: () =>
    new DynamoError(`${CORAL_SERVICE}MissingAuthenticationTokenException`, 'Request is missing Authentication Token'),
  incompleteSignature: (message: string) => new DynamoError(`${CORAL_SERVICE}IncompleteSignatureException`, message),
  invalidSignature: (message: string) => new DynamoError(`${CORAL_SERVICE}InvalidSignatureException`, message),
  unrecognizedClient: () =>
    new DynamoError(
      `${CORAL_SERVICE}UnrecognizedClientException`,
      'The security token included in the request is invalid.',
    ),
  /** A session token that is not the credential's: DynamoDB words it without the final period. */
  unrecognizedClientToken: () =>
    new DynamoError(`${CORAL_SERVICE}UnrecognizedClientException`, 'The security token included in the request is invalid'),
  expiredToken: () => new DynamoError(`${CORAL_SERVICE}ExpiredTokenException`, 'The security token included in the request is expired'),
  accessDenied: (message: string) => new DynamoError(`${CORAL_SERVICE}AccessDeniedException`, message),
  requestEntityTooLarge: () =>
    new DynamoError(
      `${CORAL_SERVICE}RequestEntityTooLarge`,
      'Request Entity Too Large',
      413,
    ),
  resourceNotFound: (message = 'Requested resource not found') =>
    new DynamoError(`${DYNAMO}ResourceNotFoundException`, message),
  policyNotFound: (message: string) => new DynamoError(`${DYNAMO}PolicyNotFoundException`, message),
  resourceInUse: (message: string) => new DynamoError(`${DYNAMO}ResourceInUseException`, message),
  limitExceeded: (message: string) => new DynamoError(`${DYNAMO}LimitExceededException`, message),
  conditionalCheckFailed: (item?: Record<string, unknown>) =>
    new DynamoError(
      `${DYNAMO}ConditionalCheckFailedException`,
      'The conditional request failed',
      400,
      item ? { Item: item } : undefined,
    ),
  transactionCanceled: (message: string, reasons: unknown[]) =>
    new DynamoError(`${DYNAMO}TransactionCanceledException`, message, 400, { CancellationReasons: reasons }),
  transactionConflict: (message = 'Transaction is ongoing for the item') =>
    new DynamoError(`${DYNAMO}TransactionConflictException`, message),
  transactionInProgress: (message: string) => new DynamoError(`${DYNAMO}TransactionInProgressException`, message),
  idempotentParameterMismatch: (message: string) =>
    new DynamoError(`${DYNAMO}IdempotentParameterMismatchException`, message),
  itemCollectionSizeLimitExceeded: (message: string) =>
    new DynamoError(`${DYNAMO}ItemCollectionSizeLimitExceededException`, message),
  duplicateItem: (message = 'Duplicate primary key exists in table') =>
    new DynamoError(`${DYNAMO}DuplicateItemException`, message),
  provisionedThroughputExceeded: (message: string) =>
    new DynamoError(`${DYNAMO}ProvisionedThroughputExceededException`, message),
  tableNotFound: (message: string) => new DynamoError(`${DYNAMO}TableNotFoundException`, message),
  tableAlreadyExists: (message: string) => new DynamoError(`${DYNAMO}TableAlreadyExistsException`, message),
  tableInUse: (message: string) => new DynamoError(`${DYNAMO}TableInUseException`, message),
  backupNotFound: (message: string) => new DynamoError(`${DYNAMO}BackupNotFoundException`, message),
  backupInUse: (message: string) => new DynamoError(`${DYNAMO}BackupInUseException`, message),
  invalidRestoreTime: (message: string) => new DynamoError(`${DYNAMO}InvalidRestoreTimeException`, message),
  continuousBackupsUnavailable: (message: string) =>
    new DynamoError(`${DYNAMO}ContinuousBackupsUnavailableException`, message),
  pointInTimeRecoveryUnavailable: (message: string) =>
    new DynamoError(`${DYNAMO}PointInTimeRecoveryUnavailableException`, message),
  // DynamoDB Streams errors carry DynamoDB's own namespace: the Streams
  // service answers with `com.amazonaws.dynamodb.v20120810#…` types.
  /** GetRecords with an iterator issued more than 15 minutes ago. */
  expiredIterator: (message = 'Shard iterator has expired') =>
    new DynamoError(`${DYNAMO}ExpiredIteratorException`, message),
  /** A stream position whose records the 24-hour retention has already removed. */
  trimmedDataAccess: (message = 'The data you are trying to access has been trimmed.') =>
    new DynamoError(`${DYNAMO}TrimmedDataAccessException`, message),
  // Export, import and bulk operations (api/transfer).
  exportNotFound: (message: string) => new DynamoError(`${DYNAMO}ExportNotFoundException`, message),
  exportConflict: (message: string) => new DynamoError(`${DYNAMO}ExportConflictException`, message),
  invalidExportTime: (message: string) => new DynamoError(`${DYNAMO}InvalidExportTimeException`, message),
  importNotFound: (message: string) => new DynamoError(`${DYNAMO}ImportNotFoundException`, message),
  importConflict: (message: string) => new DynamoError(`${DYNAMO}ImportConflictException`, message),
  internal: (message = 'Internal server error') => new DynamoError(`${DYNAMO}InternalServerError`, message, 500),
  /** An operation that is part of DynamoDB's API but not implemented by openddb yet. */
  notImplemented: (operation: string) =>
    new DynamoError(
      `${CORAL_VALIDATE}ValidationException`,
      `openddb does not support the operation ${operation} yet`,
    ),
} as const;

export function isDynamoError(e: unknown): e is DynamoError {
  return e instanceof DynamoError;
}
