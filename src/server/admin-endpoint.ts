/**
 * @module server/admin-endpoint
 * The pressure modes' run-time switch (docs/pressure.md): `GET
 * /openddb/admin/pressure` answers the settings as JSON; `POST` with a JSON
 * object changes them (pressure/pressure `configure`) and answers the new
 * settings, or 400 with `{"error": …}` changing nothing; `DELETE` forgets
 * what POSTs set (every process returns to its flags). Only clients on
 * this machine (a loopback peer address) may call it, and with `--auth`
 * only with a request signed by an identity of the credentials file. A
 * change is kept in the store and reaches every process on the same data
 * within about a second (pressure/shared-settings).
 */
import { isLoopbackAddress } from './loopback.js';
import type { Pressure } from '../pressure/pressure.js';
import type { ProtocolRequest, ProtocolResponse } from './dynamo-protocol.js';
import { authenticate, type AuthSource } from './authenticate.js';
import { DynamoError } from '../errors/index.js';

export const ADMIN_PREFIX = '/openddb/admin/';
const PRESSURE_PATH = '/openddb/admin/pressure';


export async function answerAdmin(req: ProtocolRequest, pressure: Pressure | undefined, auth: AuthSource | undefined): Promise<ProtocolResponse> {
  const q = req.url.indexOf('?');
  const path = q === -1 ? req.url : req.url.slice(0, q);
  if (path !== PRESSURE_PATH || pressure === undefined) return json(404, { error: `no admin endpoint at ${path}` });
  if (!isLoopbackAddress(req.remoteAddress)) return json(403, { error: 'the admin endpoint answers clients on this machine only' });
  if (auth !== undefined) {
    const verified = authenticate(req, auth);
    if (verified instanceof DynamoError) return json(403, { error: `with --auth the admin endpoint needs a signed request: ${verified.message}` });
  }
  if (req.method === 'GET') return json(200, await pressure.describe());
  if (req.method === 'DELETE') {
    try {
      await pressure.clearShared();
    } catch (e) {
      return json(503, { error: `the settings could not be stored: ${e instanceof Error ? e.message : String(e)}` });
    }
    return json(200, await pressure.describe());
  }
  if (req.method !== 'POST') return json(405, { error: 'GET, POST or DELETE' });
  let patch: unknown;
  try {
    patch = JSON.parse(req.body.toString('utf8'));
  } catch {
    return json(400, { error: 'the body must be a JSON object' });
  }
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return json(400, { error: 'the body must be a JSON object' });
  let problem: string | undefined;
  try {
    problem = await pressure.configure(patch as Record<string, unknown>);
  } catch (e) {
    return json(503, { error: `the settings could not be stored: ${e instanceof Error ? e.message : String(e)}` });
  }
  if (problem !== undefined) return json(400, { error: problem });
  return json(200, await pressure.describe());
}

function json(status: number, body: unknown): ProtocolResponse {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  return {
    status,
    headers: ['Server', 'Server', 'Content-Type', 'application/json', 'Cache-Control', 'no-store', 'Content-Length', String(bytes.length)],
    body: bytes,
  };
}
