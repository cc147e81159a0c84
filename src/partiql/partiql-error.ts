/**
 * @module partiql/partiql-error
 * DynamoDB wraps PartiQL syntax errors in one envelope ("Statement wasn't
 * well formed, can't be processed: <detail>", dynoxide's capture against
 * real DynamoDB) and reports semantic rejections bare. Both are
 * ValidationExceptions; this module keeps the envelope in one place.
 */
import { errors } from '../errors/index.js';
import type { DynamoError } from '../errors/index.js';

export const SYNTAX_ENVELOPE = "Statement wasn't well formed, can't be processed: ";

/** A malformed statement. */
export function partiqlSyntaxError(detail: string): DynamoError {
  return errors.validation(SYNTAX_ENVELOPE + detail);
}

/** DynamoDB's answer when the number of `?` and of Parameters differ. */
export const PARAMETER_COUNT_MESSAGE = "Number of parameters in request and statement don't match.";

/** UPDATE and DELETE address one item: every key attribute needs an equality. */
export const MANDATORY_KEY_MESSAGE = 'Where clause does not contain a mandatory equality on all key attributes';
