/**
 * @module expr/placeholders
 * The `#name` and `:value` maps of one request, and which of their keys
 * the request's expressions have used so far. DynamoDB rejects a request
 * whose maps hold a key that none of its expressions use.
 */
import { errors } from '../errors/index.js';
import type { AttributeValue } from '../values/types.js';

export type AttributeNames = Readonly<Record<string, string>>;
export type AttributeValues = Readonly<Record<string, AttributeValue>>;

export class Placeholders {
  private readonly unusedNames: Set<string>;
  private readonly unusedValues: Set<string>;

  constructor(
    private readonly names: AttributeNames | undefined,
    private readonly values: AttributeValues | undefined,
  ) {
    this.unusedNames = new Set(names === undefined ? [] : Object.keys(names));
    this.unusedValues = new Set(values === undefined ? [] : Object.keys(values));
  }

  /** The attribute name behind `#ref`, marking it used; undefined if not defined. */
  name(ref: string): string | undefined {
    if (this.names === undefined || !Object.hasOwn(this.names, ref)) return undefined;
    this.unusedNames.delete(ref);
    return this.names[ref];
  }

  /** The value behind `:ref`, marking it used; undefined if not defined. */
  value(ref: string): AttributeValue | undefined {
    if (this.values === undefined || !Object.hasOwn(this.values, ref)) return undefined;
    this.unusedValues.delete(ref);
    return this.values[ref];
  }

  /**
   * Throws DynamoDB's error for keys no expression used: names first, then
   * values, keys listed in the order the request gave them.
   */
  assertAllUsed(): void {
    if (this.unusedNames.size > 0) {
      throw errors.validation(
        `Value provided in ExpressionAttributeNames unused in expressions: keys: {${[...this.unusedNames].join(', ')}}`,
      );
    }
    if (this.unusedValues.size > 0) {
      throw errors.validation(
        `Value provided in ExpressionAttributeValues unused in expressions: keys: {${[...this.unusedValues].join(', ')}}`,
      );
    }
  }
}
