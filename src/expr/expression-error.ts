/**
 * @module expr/expression-error
 * The wording DynamoDB uses for expression errors, kept in one place:
 * every message is prefixed with `Invalid <ParameterName>: ` and thrown as
 * a ValidationException.
 */
import { errors } from '../errors/index.js';
import type { DynamoError } from '../errors/index.js';

/** The request parameters that carry expressions. */
export type ExpressionName =
  | 'ConditionExpression'
  | 'FilterExpression'
  | 'KeyConditionExpression'
  | 'SearchConditionExpression'
  | 'UpdateExpression'
  | 'ProjectionExpression';

/** `Invalid <name>: <message>` as a ValidationException. */
export function invalidExpression(name: ExpressionName, message: string): DynamoError {
  return errors.validation(`Invalid ${name}: ${message}`);
}

/** DynamoDB's rendering of a document path in messages: `[a, b, [0]]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '[';
  for (let i = 0; i < path.length; i++) {
    const element = path[i] as string | number;
    if (i > 0) out += ', ';
    out += typeof element === 'number' ? `[${element}]` : element;
  }
  return `${out}]`;
}

export const messages = {
  empty: 'The expression can not be empty;',
  redundantParentheses: 'The expression has redundant parentheses;',
  syntax: (token: string, near: string) => `Syntax error; token: "${token}", near: "${near}"`,
  tooLong: (size: number) => `Expression size has exceeded the maximum allowed size; expression size: ${size}`,
  tooManyOperators: (count: number) => `The expression contains too many operators; operator count: ${count}`,
  nestingLevels: (levels: number) => `The document path has too many nesting levels; nesting levels: ${levels}`,
  listIndex: (digits: string) => `List index is not within the allowable range; index: [${digits}]`,
  reserved: (name: string) => `Attribute name is a reserved keyword; reserved keyword: ${name}`,
  unknownFunction: (name: string) => `Invalid function name; function: ${name}`,
  misusedFunction: (name: string) =>
    `The function is not allowed to be used this way in an expression; function: ${name}`,
  sectionTwice: (section: string) => `The "${section}" section can only be used once in an update expression;`,
  undefinedName: (ref: string) =>
    `An expression attribute name used in the document path is not defined; attribute name: ${ref}`,
  undefinedValue: (ref: string) =>
    `An expression attribute value used in expression is not defined; attribute value: ${ref}`,
  operandCount: (fn: string, count: number) =>
    `Incorrect number of operands for operator or function; operator or function: ${fn}, number of operands: ${count}`,
  tooManyInOperands: (count: number) =>
    `Too many operands for the operator or function; operator or function: IN, number of operands: ${count}`,
  operandType: (fn: string, type: string) =>
    `Incorrect operand type for operator or function; operator or function: ${fn}, operand type: ${type}`,
  updateOperandType: (operator: string, type: string) =>
    `Incorrect operand type for operator or function; operator: ${operator}, operand type: ${type}`,
  needsPath: (fn: string) => `Operator or function requires a document path; operator or function: ${fn}`,
  notDistinct: (operator: string, path: readonly (string | number)[]) =>
    `The first operand must be distinct from the remaining operands for this operator or function; operator: ${operator}, first operand: ${formatPath(path)}`,
  attributeTypeName: (type: string) =>
    `Invalid attribute type name found; type: ${type}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`,
  overlap: (one: readonly (string | number)[], two: readonly (string | number)[]) =>
    `Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${formatPath(one)}, path two: ${formatPath(two)}`,
  conflict: (one: readonly (string | number)[], two: readonly (string | number)[]) =>
    `Two document paths conflict with each other; must remove or rewrite one of these paths; path one: ${formatPath(one)}, path two: ${formatPath(two)}`,
} as const;
