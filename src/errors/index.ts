/** @module errors/index */
export { DynamoError, errors, isDynamoError } from './dynamo-error.js';
