/**
 * @module server/auth-header
 * The checks DynamoDB makes of a request's Authorization header before it
 * verifies a signature: present, AWS4-style, with Credential, Signature and
 * SignedHeaders, and a date. Signature verification is a later issue.
 */
import { errors } from '../errors/index.js';
import type { DynamoError } from '../errors/index.js';

export function checkAuthorization(
  authorization: string | undefined,
  amzDate: string | undefined,
  dateHeader: string | undefined,
  queryHasSignature: boolean,
): DynamoError | undefined {
  if (queryHasSignature) return undefined;
  if (authorization === undefined || !authorization.trim().startsWith('AWS4-')) {
    return errors.missingAuthenticationToken();
  }
  const params = new Map<string, string>();
  const afterAlgorithm = authorization.trim().split(' ').slice(1).join('');
  for (const part of afterAlgorithm.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  let message = '';
  for (const required of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!params.get(required)) message += `Authorization header requires '${required}' parameter. `;
  }
  if (!amzDate && !dateHeader) {
    message += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (message !== '') return errors.incompleteSignature(`${message}Authorization=${authorization}`);
  return undefined;
}
