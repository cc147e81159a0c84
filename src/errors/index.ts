/** @module errors */
export { DynamoError, errors, isDynamoError } from './dynamo-error.js';
