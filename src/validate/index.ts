/** @module validate/index */
export * from './schema.js';
export { checkTypes, checkConstraints, renderJava, lowerFirst } from './check.js';
