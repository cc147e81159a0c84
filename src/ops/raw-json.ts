/**
 * @module ops/raw-json
 * A response body an operation has already serialised, e.g. an item spliced
 * from its stored wire form, so the server sends it without re-encoding.
 */
export class RawJson {
  constructor(readonly json: string) {}
}
