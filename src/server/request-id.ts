/**
 * @module server/request-id
 * DynamoDB request ids: 52 characters of upper-case letters and digits.
 * Each process draws a random 40-character prefix once, then counts: ids stay
 * unique across processes and restarts without a random draw per request.
 * Ids need to be unique, not unguessable, so the prefix comes from
 * Math.random mixed with the time and pid rather than node:crypto, whose
 * loading would cost ~2.5 ms of every cold start.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const PREFIX_LENGTH = 40;
const COUNTER_LENGTH = 52 - PREFIX_LENGTH;

let prefix = '';
let counter = 0;

function newPrefix(): string {
  // The first characters carry the time and pid (so two processes started
  // in the same millisecond still differ), the rest Math.random.
  const stamp = `${Date.now().toString(36)}${process.pid.toString(36)}`.toUpperCase();
  let out = stamp.slice(0, PREFIX_LENGTH);
  while (out.length < PREFIX_LENGTH) out += ALPHABET[Math.floor(Math.random() * 36)];
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
