/** @module values/attribute-value.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDynamoError } from '../errors/index.js';
import {
  EMPTY_VALUE_MESSAGE,
  MULTIPLE_TYPES_MESSAGE,
  NESTING_MESSAGE,
  checkAttributeValueShape,
  validateAttributeMap,
  validateAttributeValue,
} from './attribute-value.js';
import type { ValuePosition } from './attribute-value.js';
import type { AttributeValue } from './types.js';

function shapeError(json: unknown, position: ValuePosition = 'value'): string | undefined {
  try {
    checkAttributeValueShape(json, 0, position);
    return undefined;
  } catch (e) {
    assert.ok(isDynamoError(e));
    return `${e.shortType}: ${e.message}`;
  }
}

function nest(depth: number): unknown {
  let v: unknown = { S: 'leaf' };
  for (let i = 0; i < depth; i++) v = { M: { n: v } };
  return v;
}

describe('checkAttributeValueShape', () => {
  it('accepts well-formed values of every type', () => {
    const ok = [
      { S: 'x' },
      { S: '' },
      { N: '1' },
      { B: '' },
      { B: 'AQID' },
      { B: 'Yg==' },
      { BOOL: false },
      { NULL: true },
      { SS: ['a'] },
      { NS: ['1'] },
      { BS: ['AQ=='] },
      { L: [{ S: 'a' }, { M: {} }] },
      { M: { a: { L: [] } } },
      {},
    ];
    for (const v of ok) assert.equal(shapeError(v), undefined, JSON.stringify(v));
  });

  it('rejects an AttributeValue that is not a structure', () => {
    const S = 'SerializationException: ';
    assert.equal(shapeError('23'), `${S}Unexpected value type in payload`);
    assert.equal(shapeError(true), `${S}Unexpected value type in payload`);
    assert.equal(shapeError(34.56), `${S}Unexpected value type in payload`);
    assert.equal(shapeError('23', 'field'), `${S}Unexpected field type`);
    assert.equal(shapeError([]), `${S}Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue`);
    assert.equal(shapeError({ L: ['x'] }), `${S}Unexpected value type in payload`);
    assert.equal(shapeError({ M: { a: [] } }), `${S}Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue`);
  });

  it('uses the Java deserialiser wording for strings', () => {
    const S = 'SerializationException: ';
    for (const type of ['S', 'N']) {
      assert.equal(shapeError({ [type]: true }), `${S}TRUE_VALUE cannot be converted to String`);
      assert.equal(shapeError({ [type]: false }), `${S}FALSE_VALUE cannot be converted to String`);
      assert.equal(shapeError({ [type]: 23 }), `${S}NUMBER_VALUE cannot be converted to String`);
      assert.equal(shapeError({ [type]: 2147483648 }), `${S}NUMBER_VALUE cannot be converted to String`);
      assert.equal(shapeError({ [type]: 34.56 }), `${S}DECIMAL_VALUE cannot be converted to String`);
      assert.equal(shapeError({ [type]: [] }), `${S}Unrecognized collection type class java.lang.String`);
      assert.equal(shapeError({ [type]: {} }), `${S}Start of structure or map found where not expected`);
    }
    assert.equal(shapeError({ SS: [5] }), `${S}NUMBER_VALUE cannot be converted to String`);
    assert.equal(shapeError({ NS: [{}] }), `${S}Start of structure or map found where not expected`);
  });

  it('uses the Java deserialiser wording for binary', () => {
    const S = 'SerializationException: ';
    assert.equal(shapeError({ B: true }), `${S}only base-64-encoded strings are convertible to bytes`);
    assert.equal(shapeError({ B: 23 }), `${S}only base-64-encoded strings are convertible to bytes`);
    assert.equal(shapeError({ B: [] }), `${S}Unrecognized collection type class java.nio.ByteBuffer`);
    assert.equal(shapeError({ B: {} }), `${S}Start of structure or map found where not expected`);
    assert.equal(shapeError({ B: '23456' }), `${S}Base64 encoded length is expected a multiple of 4 bytes but found: 5`);
    assert.equal(shapeError({ B: '=+/=' }), `${S}Invalid last non-pad Base64 character dectected`);
    assert.equal(shapeError({ B: '+/+=' }), `${S}Invalid last non-pad Base64 character dectected`);
    assert.equal(shapeError({ B: 'ab-_' }), `${S}Invalid last non-pad Base64 character dectected`);
    assert.equal(shapeError({ BS: ['AQ==', 'A==='] }), `${S}Invalid last non-pad Base64 character dectected`);
  });

  it('reads booleans as DynamoDB does, strings included', () => {
    const S = 'SerializationException: ';
    assert.equal(shapeError({ BOOL: '23' }), `${S}Unexpected token received from parser`);
    assert.equal(shapeError({ BOOL: 23 }), `${S}NUMBER_VALUE cannot be converted to Boolean`);
    assert.equal(shapeError({ NULL: 34.56 }), `${S}DECIMAL_VALUE cannot be converted to Boolean`);
    assert.equal(shapeError({ BOOL: [] }), `${S}Unrecognized collection type class java.lang.Boolean`);
    assert.equal(shapeError({ NULL: {} }), `${S}Start of structure or map found where not expected`);
    const v: Record<string, unknown> = { BOOL: 'Yes' };
    checkAttributeValueShape(v);
    assert.deepEqual(v, { BOOL: true });
    const w: Record<string, unknown> = { NULL: 'no' };
    checkAttributeValueShape(w);
    assert.deepEqual(w, { NULL: false });
  });

  it('rejects lists and maps of the wrong kind', () => {
    const S = 'SerializationException: ';
    for (const type of ['SS', 'NS', 'BS', 'L']) {
      assert.equal(shapeError({ [type]: '23' }), `${S}Unexpected field type`);
      assert.equal(shapeError({ [type]: 23 }), `${S}Unexpected field type`);
      assert.equal(shapeError({ [type]: {} }), `${S}Start of structure or map found where not expected`);
    }
    assert.equal(shapeError({ M: '23' }), `${S}Unexpected field type`);
    assert.equal(shapeError({ M: true }), `${S}Unexpected field type`);
    assert.equal(shapeError({ M: [] }), `${S}Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>`);
  });

  it('drops unknown members and null members, as the deserialiser does', () => {
    const v: Record<string, unknown> = { a: '', S: null, N: '1', X: 5 };
    checkAttributeValueShape(v);
    assert.deepEqual(v, { N: '1' });
    const nested = { M: { a: { foo: {} } } };
    checkAttributeValueShape(nested);
    assert.deepEqual(nested, { M: { a: {} } });
    assert.equal(validateAttributeValue(nested as unknown as AttributeValue), EMPTY_VALUE_MESSAGE);
  });

  it('accepts 31 levels of nesting and rejects 32', () => {
    assert.equal(shapeError(nest(31)), undefined);
    assert.equal(shapeError(nest(32)), `ValidationException: ${NESTING_MESSAGE}`);
    // Deep input never reaches unbounded recursion.
    assert.equal(shapeError(nest(100_000)), `ValidationException: ${NESTING_MESSAGE}`);
    let list: unknown = { N: '1' };
    for (let i = 0; i < 32; i++) list = { L: [list] };
    assert.equal(shapeError(list), `ValidationException: ${NESTING_MESSAGE}`);
  });
});

describe('validateAttributeValue', () => {
  const INVALID = 'One or more parameter values were invalid: ';
  const cases: [unknown, string][] = [
    [{}, EMPTY_VALUE_MESSAGE],
    [null, EMPTY_VALUE_MESSAGE],
    [{ M: { a: {} } }, EMPTY_VALUE_MESSAGE],
    [{ L: [{}] }, EMPTY_VALUE_MESSAGE],
    [{ NULL: false }, `${INVALID}Null attribute value types must have the value of true`],
    [{ SS: [] }, `${INVALID}An string set  may not be empty`],
    [{ NS: [] }, `${INVALID}An number set  may not be empty`],
    [{ BS: [] }, `${INVALID}Binary sets should not be empty`],
    [{ SS: ['a', 'a'] }, `${INVALID}Input collection [a, a] contains duplicates.`],
    [{ SS: ['a', 'b', 'a'] }, `${INVALID}Input collection [a, b, a] contains duplicates.`],
    [{ BS: ['Yg==', 'Yg=='] }, `${INVALID}Input collection [Yg==, Yg==]of type BS contains duplicates.`],
    [{ S: '', N: '' }, 'The parameter cannot be converted to a numeric value'],
    [{ S: 'a', N: 'b' }, 'The parameter cannot be converted to a numeric value: b'],
    [{ NS: ['1', ''] }, 'The parameter cannot be converted to a numeric value'],
    [{ NS: ['1', 'b'] }, 'The parameter cannot be converted to a numeric value: b'],
    [{ NS: ['1', '1'] }, 'Input collection contains duplicates'],
    [{ NS: ['1', '1.0'] }, 'Input collection contains duplicates'],
    [{ N: '123456789012345678901234567890123456789' }, 'Attempting to store more than 38 significant digits in a Number'],
    [{ N: '1e126' }, 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
    [{ N: '-1e-131' }, 'Number underflow. Attempting to store a number with magnitude smaller than supported range'],
    [{ S: 'a', N: '1' }, MULTIPLE_TYPES_MESSAGE],
    [{ M: { x: { SS: [] } } }, `${INVALID}An string set  may not be empty`],
    [{ L: [{ S: 'ok' }, { NS: ['x'] }] }, 'The parameter cannot be converted to a numeric value: x'],
    // A nested fault is found before the outer "more than one datatype".
    [{ L: [{ SS: [] }], S: 'a' }, `${INVALID}An string set  may not be empty`],
  ];
  it('returns DynamoDB’s message for each invalid value', () => {
    for (const [value, message] of cases) {
      assert.equal(validateAttributeValue(value as AttributeValue), message, JSON.stringify(value));
    }
  });

  it('accepts empty strings and binaries, and valid values of every type', () => {
    const ok: AttributeValue[] = [
      { S: '' },
      { B: '' },
      { BOOL: false },
      { NULL: true },
      { SS: ['a', 'b'] },
      { BS: ['AQ==', 'Ag=='] },
      { L: [] },
      { M: {} },
      { L: [{ S: '' }, { M: { x: { N: '1' } } }] },
    ];
    for (const v of ok) assert.equal(validateAttributeValue(v), undefined, JSON.stringify(v));
  });

  it('puts numbers into canonical form in place', () => {
    const v = { M: { a: { N: '1.50E2' }, b: { NS: ['0001', '-0', '2e-3'] }, c: { L: [{ N: '+7' }] } } };
    assert.equal(validateAttributeValue(v), undefined);
    assert.deepEqual(v, { M: { a: { N: '150' }, b: { NS: ['1', '0', '0.002'] }, c: { L: [{ N: '7' }] } } });
  });

  it('rejects nesting past 32 levels', () => {
    assert.equal(validateAttributeValue(nest(31) as AttributeValue), undefined);
    assert.equal(validateAttributeValue(nest(32) as AttributeValue), NESTING_MESSAGE);
  });

  it('validateAttributeMap reports the first fault', () => {
    assert.equal(validateAttributeMap({ a: { S: 'x' }, b: { N: '1' } }), undefined);
    assert.equal(validateAttributeMap({ a: { S: 'x' }, b: { NULL: false } as unknown as AttributeValue }), `${INVALID}Null attribute value types must have the value of true`);
  });
});
