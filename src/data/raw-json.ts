/**
 * @module data/raw-json
 * A response body an operation has already serialised, e.g. an item spliced
 * from its stored wire form, so the server sends it without re-encoding. It
 * is either a string or byte chunks to be sent one after another (stored
 * bytes go out without a decode/encode round trip).
 */
export class RawJson {
  constructor(readonly json: string | readonly Uint8Array[]) {}

  text(): string {
    return typeof this.json === 'string' ? this.json : this.toBytes().toString('utf8');
  }

  toBytes(): Buffer {
    const json = this.json;
    if (typeof json === 'string') return Buffer.from(json, 'utf8');
    return Buffer.concat(json as Uint8Array[]);
  }
}
