/**
 * Writes test/fixtures/parquet/people.parquet, the Parquet file the
 * `openddb migrate` tests read (hyparquet only reads Parquet, and the
 * project has no writer). A minimal writer of the format as the Apache
 * Parquet specification defines it: one row group, one uncompressed
 * PLAIN-encoded data page (v1) per column, metadata in Thrift's compact
 * protocol. Columns:
 *   id       INT64 required        1…5
 *   name     BYTE_ARRAY UTF8 optional (row 3 NULL)
 *   score    DOUBLE required
 *   active   BOOLEAN required
 *   created  INT64 TIMESTAMP_MICROS required
 *   big      INT64 required        2^62 + row (beyond a double's 2^53)
 *
 * Also people-gzip.parquet: the same, each page GZIP-compressed.
 *
 * Run: node scripts/make-parquet-fixture.mjs (the files are committed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const ROWS = [
  { id: 1n, name: 'Ada', score: 9.5, active: true, created: 1704164645123456n, big: 2n ** 62n + 1n },
  { id: 2n, name: 'Brendan', score: 0.1, active: false, created: 1704164646000000n, big: 2n ** 62n + 2n },
  { id: 3n, name: null, score: -3, active: true, created: 0n, big: 2n ** 62n + 3n },
  { id: 4n, name: 'Grace Ö', score: 1e21, active: false, created: 1704164645000001n, big: 2n ** 62n + 4n },
  { id: 5n, name: 'Linus', score: 2.5, active: true, created: 1704164645500000n, big: 2n ** 62n + 5n },
];

// Thrift compact protocol.
class Writer {
  bytes = [];
  lastField = [0];
  byte(b) {
    this.bytes.push(b & 0xff);
  }
  varint(n) {
    let v = BigInt(n);
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }
  zigzag(n) {
    const v = BigInt(n);
    this.varint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
  }
  fieldHeader(id, type) {
    const last = this.lastField[this.lastField.length - 1];
    const delta = id - last;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.zigzag(id);
    }
    this.lastField[this.lastField.length - 1] = id;
  }
  i32(id, v) {
    this.fieldHeader(id, 5);
    this.zigzag(v);
  }
  i64(id, v) {
    this.fieldHeader(id, 6);
    this.zigzag(v);
  }
  string(id, s) {
    this.fieldHeader(id, 8);
    const b = Buffer.from(s, 'utf8');
    this.varint(b.length);
    for (const x of b) this.byte(x);
  }
  struct(id, write) {
    this.fieldHeader(id, 12);
    this.structBody(write);
  }
  structBody(write) {
    this.lastField.push(0);
    write(this);
    this.byte(0);
    this.lastField.pop();
  }
  list(id, elementType, items, writeItem) {
    this.fieldHeader(id, 9);
    if (items.length < 15) this.byte((items.length << 4) | elementType);
    else {
      this.byte(0xf0 | elementType);
      this.varint(items.length);
    }
    for (const item of items) writeItem(this, item);
  }
}

const TYPE = { BOOLEAN: 0, INT64: 2, DOUBLE: 5, BYTE_ARRAY: 6 };
const COLUMNS = [
  { name: 'id', type: TYPE.INT64, optional: false },
  { name: 'name', type: TYPE.BYTE_ARRAY, optional: true, converted: 0 /* UTF8 */ },
  { name: 'score', type: TYPE.DOUBLE, optional: false },
  { name: 'active', type: TYPE.BOOLEAN, optional: false },
  { name: 'created', type: TYPE.INT64, optional: false, converted: 10 /* TIMESTAMP_MICROS */ },
  { name: 'big', type: TYPE.INT64, optional: false },
];

function plain(column, values) {
  const parts = [];
  if (column.type === TYPE.BOOLEAN) {
    const b = Buffer.alloc(Math.ceil(values.length / 8));
    values.forEach((v, i) => {
      if (v) b[i >> 3] |= 1 << (i & 7);
    });
    parts.push(b);
  }
  for (const v of column.type === TYPE.BOOLEAN ? [] : values) {
    if (column.type === TYPE.INT64) {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(v);
      parts.push(b);
    } else if (column.type === TYPE.DOUBLE) {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(v);
      parts.push(b);
    } else {
      const s = Buffer.from(v, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32LE(s.length);
      parts.push(len, s);
    }
  }
  return Buffer.concat(parts);
}

/** Definition levels (bit width 1) as RLE runs, with data page v1's 4-byte length prefix. */
function definitionLevels(levels) {
  const runs = [];
  for (const l of levels) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.value === l) last.count++;
    else runs.push({ value: l, count: 1 });
  }
  const w = new Writer();
  for (const r of runs) {
    w.varint(r.count << 1);
    w.byte(r.value);
  }
  const body = Buffer.from(w.bytes);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(body.length);
  return Buffer.concat([len, body]);
}

/** Writes the file; codec 0 UNCOMPRESSED, 2 GZIP (Parquet's CompressionCodec). */
function write(name, codec) {
  const chunks = [Buffer.from('PAR1')];
  let offset = 4;
  const columnMeta = [];
  for (const column of COLUMNS) {
    const all = ROWS.map((r) => r[column.name]);
    const present = all.filter((v) => v !== null);
    const raw = Buffer.concat([column.optional ? definitionLevels(all.map((v) => (v === null ? 0 : 1))) : Buffer.alloc(0), plain(column, present)]);
    const data = codec === 2 ? gzipSync(raw) : raw;
    const header = new Writer();
    header.structBody((w) => {
      w.i32(1, 0); // DATA_PAGE
      w.i32(2, raw.length);
      w.i32(3, data.length);
      w.struct(5, (d) => {
        d.i32(1, all.length);
        d.i32(2, 0); // PLAIN
        d.i32(3, 3); // RLE
        d.i32(4, 3); // RLE
      });
    });
    const page = Buffer.concat([Buffer.from(header.bytes), data]);
    columnMeta.push({ column, offset, size: page.length, rawSize: page.length - data.length + raw.length, values: all.length });
    chunks.push(page);
    offset += page.length;
  }

  const meta = new Writer();
  meta.structBody((w) => {
    w.i32(1, 1);
    w.list(2, 12, [null, ...COLUMNS], (lw, column) =>
      lw.structBody((s) => {
        if (column === null) {
          s.string(4, 'schema');
          s.i32(5, COLUMNS.length);
          return;
        }
        s.i32(1, column.type);
        s.i32(3, column.optional ? 1 : 0);
        s.string(4, column.name);
        if (column.converted !== undefined) s.i32(6, column.converted);
      }),
    );
    w.i64(3, ROWS.length);
    w.list(4, 12, [0], (lw) =>
      lw.structBody((rg) => {
        rg.list(1, 12, columnMeta, (cl, m) =>
          cl.structBody((cc) => {
            cc.i64(2, m.offset);
            cc.struct(3, (md) => {
              md.i32(1, m.column.type);
              md.list(2, 5, [0, 3], (el, e) => el.zigzag(e));
              md.list(3, 8, [m.column.name], (el, name) => {
                const b = Buffer.from(name, 'utf8');
                el.varint(b.length);
                for (const x of b) el.byte(x);
              });
              md.i32(4, codec); // UNCOMPRESSED or GZIP
              md.i64(5, m.values);
              md.i64(6, m.rawSize);
              md.i64(7, m.size);
              md.i64(9, m.offset);
            });
          }),
        );
        rg.i64(2, offset - 4);
        rg.i64(3, ROWS.length);
      }),
    );
    w.string(6, 'openddb scripts/make-parquet-fixture.mjs');
  });
  const footer = Buffer.from(meta.bytes);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(footer.length);
  chunks.push(footer, length, Buffer.from('PAR1'));

  const out = path.join(root, 'test', 'fixtures', 'parquet', name);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, Buffer.concat(chunks));
  console.log(`wrote ${path.relative(root, out)} (${Buffer.concat(chunks).length} bytes, ${ROWS.length} rows)`);
}

write('people.parquet', 0);
write('people-gzip.parquet', 2);
