/**
 * @module expr/functions
 * The functions of DynamoDB's two expression families and how many
 * operands each takes. Names are case-sensitive (`BEGINS_WITH` is unknown).
 */

export type ConditionFunction =
  | 'attribute_exists'
  | 'attribute_not_exists'
  | 'attribute_type'
  | 'begins_with'
  | 'contains'
  | 'size';

export type UpdateFunction = 'if_not_exists' | 'list_append';

const CONDITION_ARITY: Readonly<Record<ConditionFunction, number>> = {
  attribute_exists: 1,
  attribute_not_exists: 1,
  attribute_type: 2,
  begins_with: 2,
  contains: 2,
  size: 1,
};

const UPDATE_ARITY: Readonly<Record<UpdateFunction, number>> = {
  if_not_exists: 2,
  list_append: 2,
};

export function isConditionFunction(name: string): name is ConditionFunction {
  return Object.hasOwn(CONDITION_ARITY, name);
}

export function isUpdateFunction(name: string): name is UpdateFunction {
  return Object.hasOwn(UPDATE_ARITY, name);
}

export function conditionArity(name: ConditionFunction): number {
  return CONDITION_ARITY[name];
}

export function updateArity(name: UpdateFunction): number {
  return UPDATE_ARITY[name];
}
