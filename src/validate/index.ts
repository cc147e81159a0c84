/** @module validate */
export * from './schema.js';
export { checkTypes, checkConstraints, renderJava, lowerFirst } from './check.js';
