/**
 * @module validate/schema
 * Declarative request schemas. A schema says, for every member of an
 * operation's input, its JSON type and DynamoDB's (Coral's) constraints. The
 * checker runs in DynamoDB's two phases: first the deserialiser's type checks
 * (SerializationException, first problem wins), then the constraint checks
 * (all violations, at most ten, joined into one ValidationException).
 */

export type Shape =
  | StringShape
  | BooleanShape
  | NumberShape
  | BlobShape
  | ListShape
  | MapShape
  | StructureShape
  | AttributeValueShape;

interface Common {
  /** Member must not be null. */
  readonly required?: boolean;
}

export interface StringShape extends Common {
  readonly type: 'string';
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  /**
   * A table name that may also be a table ARN: Coral checks 1..1024
   * characters, and a value that is not an ARN must then also be a valid
   * name (3..255 of [a-zA-Z0-9_.-]), reported in the same message format.
   */
  readonly tableNameOrArn?: boolean;
}

export interface BooleanShape extends Common {
  readonly type: 'boolean';
}

export interface NumberShape extends Common {
  readonly type: 'integer' | 'long' | 'double';
  readonly min?: number;
  readonly max?: number;
}

export interface BlobShape extends Common {
  readonly type: 'blob';
}

export interface ListShape extends Common {
  readonly type: 'list';
  readonly member: Shape;
  readonly min?: number;
  readonly max?: number;
  /**
   * DynamoDB's own message (a ValidationException from its service code,
   * so raised only when no constraint failed) for a null member of this
   * list; `{key}` stands for the key of the nearest enclosing map entry.
   * Without one, a null member (other than an AttributeValue) is a
   * constraint violation "Member must not be null" at '<list>.<n>.member'.
   */
  readonly nullMember?: string;
  /** DynamoDB's service message for an empty string member (e.g. "Empty attribute name"). */
  readonly emptyMember?: string;
}

export interface MapShape extends Common {
  readonly type: 'map';
  readonly value: Shape;
  readonly min?: number;
  readonly max?: number;
  /** Constraints on the keys (DynamoDB checks table names used as keys). */
  readonly key?: StringShape;
  /** As ListShape.nullMember, for a null value; `{key}` is that value's key. */
  readonly nullValue?: string;
  /** DynamoDB's service message for the empty key (e.g. "Empty attribute name"). */
  readonly emptyKey?: string;
  /** DynamoDB's service message for an empty string value; `{key}` is its key. */
  readonly emptyValue?: string;
}

export interface StructureShape extends Common {
  readonly type: 'structure';
  /** The Java class name DynamoDB prints when it renders this value, e.g. KeySchemaElement. */
  readonly javaName?: string;
  readonly members: Readonly<Record<string, Shape>>;
}

/** An AttributeValue: its shape is checked by the values module. */
export interface AttributeValueShape extends Common {
  readonly type: 'attributeValue';
}

export interface OperationSchema {
  readonly members: Readonly<Record<string, Shape>>;
  /**
   * Some newer DynamoDB operations (Query, BatchGetItem) word constraint
   * violations with the PascalCase member path and without the value:
   * "Value at 'Limit' failed to satisfy constraint: ...".
   */
  readonly newStyleMessages?: boolean;
}

// Small constructors keep the per-operation schema tables readable.
export const str = (o: Omit<StringShape, 'type'> = {}): StringShape => ({ type: 'string', ...o });
export const bool = (o: Omit<BooleanShape, 'type'> = {}): BooleanShape => ({ type: 'boolean', ...o });
export const int = (o: Omit<NumberShape, 'type'> = {}): NumberShape => ({ type: 'integer', ...o });
export const long = (o: Omit<NumberShape, 'type'> = {}): NumberShape => ({ type: 'long', ...o });
export const blob = (o: Omit<BlobShape, 'type'> = {}): BlobShape => ({ type: 'blob', ...o });
export const list = (member: Shape, o: Omit<ListShape, 'type' | 'member'> = {}): ListShape => ({
  type: 'list',
  member,
  ...o,
});
export const map = (value: Shape, o: Omit<MapShape, 'type' | 'value'> = {}): MapShape => ({
  type: 'map',
  value,
  ...o,
});
export const struct = (
  members: Record<string, Shape>,
  o: Omit<StructureShape, 'type' | 'members'> = {},
): StructureShape => ({ type: 'structure', members, ...o });
export const attrValue = (o: Omit<AttributeValueShape, 'type'> = {}): AttributeValueShape => ({
  type: 'attributeValue',
  ...o,
});

/** The table-name constraints shared by every operation. */
export const TABLE_NAME_PATTERN = '[a-zA-Z0-9_.-]+';
export const tableName = (o: { required?: boolean } = {}): StringShape =>
  str({ min: 3, max: 255, pattern: TABLE_NAME_PATTERN, ...o });
/** Operations that also accept a table ARN. */
export const tableNameOrArn = (o: { required?: boolean } = {}): StringShape =>
  str({ min: 1, max: 1024, tableNameOrArn: true, ...o });
