/** @module validate/check.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkConstraints, checkTypes } from './check.js';
import { attrValue, int, list, map, str, struct, type OperationSchema } from './schema.js';

function messageOf(input: unknown, schema: OperationSchema): string | undefined {
  try {
    checkConstraints(checkTypes(input, schema), schema);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

const entry = struct({ Name: str({ required: true }) });
const schema: OperationSchema = {
  members: {
    Limit: int({ min: 1 }),
    Entries: list(entry),
    Named: list(entry, { nullMember: 'No null entry in {key}' }),
    ByTable: map(list(entry, { nullMember: 'No null entry for {key}' }), { nullValue: 'Table {key} needs entries' }),
    Item: map(attrValue(), { emptyKey: 'Empty attribute name' }),
    Names: map(str(), { emptyValue: 'Empty name for {key}' }),
    Words: list(str(), { emptyMember: 'Empty word' }),
  },
};

describe('checkConstraints', () => {
  it('reports a null structure member as a violation at <list>.<n>.member, counted with the others', () => {
    assert.equal(
      messageOf({ Limit: 0, Entries: [{ Name: 'a' }, null] }, schema),
      "2 validation errors detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value null at 'entries.2.member' failed to satisfy constraint: Member must not be null",
    );
  });

  it("gives a service message only when no constraint failed, naming the nearest map entry's key", () => {
    assert.equal(messageOf({ ByTable: { t1: [null] } }, schema), 'No null entry for t1');
    assert.equal(messageOf({ ByTable: { t2: null } }, schema), 'Table t2 needs entries');
    assert.equal(messageOf({ Named: [null] }, schema), 'No null entry in ');
    assert.match(messageOf({ Limit: 0, ByTable: { t1: [null] } }, schema)!, /^1 validation error detected: Value '0' at 'limit'/);
  });

  it('refuses empty names where the schema says so, and nothing else', () => {
    assert.equal(messageOf({ Item: { a: { S: 'x' }, '': { S: 'y' } } }, schema), 'Empty attribute name');
    assert.equal(messageOf({ Names: { '#a': 'a', '#b': '' } }, schema), 'Empty name for #b');
    assert.equal(messageOf({ Words: ['a', ''] }, schema), 'Empty word');
    assert.equal(messageOf({ Item: { a: { S: '' } }, Names: { '#a': 'a' }, Words: ['a'] }, schema), undefined);
  });

  it('reports a missing required member without looking inside it', () => {
    const required: OperationSchema = { members: { Item: map(attrValue(), { required: true, emptyKey: 'Empty attribute name' }) } };
    assert.equal(
      messageOf({}, required),
      "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null",
    );
  });
});
