/** @module server/json-unicode.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasLoneSurrogateEscape } from './json-unicode.js';

const lone = (json: string) => hasLoneSurrogateEscape(Buffer.from(json, 'utf8'));

describe('hasLoneSurrogateEscape', () => {
  it('finds escapes of surrogates that are not an escaped high-low pair', () => {
    for (const json of [
      '"\\ud800"',
      '"\\uDBFF"',
      '"\\udc00"',
      '"a\\uDFFFb"',
      '"\\ud83d\\u0041"',
      '"\\ud83d x"',
      '"\\ude00\\ud83d"',
      '"\\ud83d\\ud83d\\ude00"',
      '"\\\\\\ud800"',
      '"\\n\\ud800"',
      '{"k":"ok","\\udc01":1}',
      '"\\ud83d',
    ]) {
      assert.equal(lone(json), true, json);
    }
  });

  it('passes pairs, other escapes, raw characters and backslash-u text', () => {
    for (const json of [
      '{}',
      '"plain"',
      '"\\ud83d\\ude00"',
      '"\\uD83D\\uDE00\\u00e9"',
      '"\\\\ud800"',
      '"\\\\\\\\ud800"',
      '"\\"ud800 is text"',
      '"\u{1F600}\ufffd\ud7ff\ue000"',
      '"\\u0000\\t\\/"',
    ]) {
      assert.equal(lone(json), false, json);
    }
  });
});
