/**
 * @module server/request-id
 * DynamoDB request ids: 52 characters of upper-case letters and digits.
 * Each process draws a random 40-character prefix once, then counts: ids stay
 * unique across processes and restarts without a random draw per request.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const PREFIX_LENGTH = 40;
const COUNTER_LENGTH = 52 - PREFIX_LENGTH;

let prefix = '';
let counter = 0;

function newPrefix(): string {
  const bytes = randomBytes(PREFIX_LENGTH);
  let out = '';
  for (let i = 0; i < PREFIX_LENGTH; i++) out += ALPHABET[bytes[i]! % 36];
  return out;
}

export function newRequestId(): string {
  // 36^12 ids per prefix; start a new prefix long before the counter wraps.
  if (prefix === '' || counter >= Number.MAX_SAFE_INTEGER) {
    prefix = newPrefix();
    counter = 0;
  }
  const n = (counter++).toString(36).toUpperCase();
  return prefix + '0'.repeat(COUNTER_LENGTH - n.length) + n;
}
