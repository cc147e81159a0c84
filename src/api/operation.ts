/**
 * @module api/operation
 * What an operation is: its request schema and its handler. Handlers receive
 * input that already passed the schema's type and constraint checks, so they
 * only perform DynamoDB's operation-specific checks and the work itself.
 */
import type { OperationSchema } from '../validate/index.js';
import type { Database } from '../data/database.js';

export interface OpContext {
  /** The database as the request's account and region see it (data/database). */
  readonly db: Database;
  readonly requestId: string;
  /** The request's Host header: the address the client reached openddb at. */
  readonly host?: string;
}

export interface Operation {
  /** The protocol target prefix, e.g. `DynamoDB_20120810.`. */
  readonly service?: string;
  readonly name: string;
  readonly schema: OperationSchema;
  /**
   * Checks DynamoDB makes after deserialising but before its constraint
   * checks (e.g. CreateTable's "The parameter 'TableName' is required…").
   */
  readonly precheck?: (input: Record<string, unknown>) => void;
  // Input is typed loosely here; each operation declares its own input type.
  run(ctx: OpContext, input: any): Promise<unknown>;
}

export function defineOperation<I>(op: {
  service?: string;
  name: string;
  schema: OperationSchema;
  precheck?: (input: Record<string, unknown>) => void;
  run(ctx: OpContext, input: I): Promise<unknown>;
}): Operation {
  return op;
}
