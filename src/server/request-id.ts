/**
 * @module server/request-id
 * DynamoDB request ids: 52 characters of upper-case letters and digits.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const POOL_SIZE = 52 * 64;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

export function newRequestId(): string {
  // Drawing from a pooled buffer keeps this off the hot path's syscall count.
  if (offset + 52 > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  let id = '';
  for (let i = 0; i < 52; i++) id += ALPHABET[pool[offset + i]! % 36];
  offset += 52;
  return id;
}
