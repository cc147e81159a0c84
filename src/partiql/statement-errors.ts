/**
 * @module partiql/statement-errors
 * BatchExecuteStatement reports each statement's failure in its response
 * as `{Code, Message}`, with the codes of BatchStatementErrorCodeEnum
 * (API reference): the error's type without "Exception", except
 * ValidationError and ThrottlingError.
 */
import { isDynamoError } from '../errors/index.js';

export interface StatementError {
  readonly Code: string;
  readonly Message: string;
}

export function statementError(error: unknown): StatementError | undefined {
  if (!isDynamoError(error)) return undefined;
  const type = error.shortType;
  const code =
    type === 'ValidationException'
      ? 'ValidationError'
      : type === 'ThrottlingException'
        ? 'ThrottlingError'
        : type.replace(/Exception$/, '');
  return { Code: code, Message: error.message };
}
