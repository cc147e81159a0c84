/**
 * @module data/item-actions
 * The per-item planners PutItem, UpdateItem, DeleteItem and the
 * transactional writes share: each validates one request and returns an
 * ItemAction to run through writeItem (or, for a transaction, to combine
 * with others into one commit via itemCommit).
 */
export type { ItemAction, ReturnValues } from './item-action.js';
export { checkCondition } from './item-action.js';
export { planPut } from './plan-put.js';
export type { PutRequest } from './plan-put.js';
export { planUpdate } from './plan-update.js';
export type { UpdateRequest } from './plan-update.js';
export { planDelete } from './plan-delete.js';
export type { DeleteRequest } from './plan-delete.js';
export { planConditionCheck } from './plan-condition-check.js';
export type { ConditionCheckRequest } from './plan-condition-check.js';
export { itemCommit, writeItem } from './item-store.js';
export type { ApplyResult, WriteOutcome } from './item-store.js';
