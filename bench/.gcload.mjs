// temp: drive one workload at a port; usage: node gcload.mjs PORT WORKLOAD N
import { runLoad } from './load.mjs';
import { callOk } from './protocol.mjs';
import { buildRequests, createTable, seedBodies, seedPlan, workloadBodies } from './workloads.mjs';
const [port, workload, n] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
const plan = seedPlan('quick', 'openddb-disk');
if (process.argv[5] !== 'noseed') {
  await createTable(port);
  for (const body of seedBodies(plan)) await callOk(port, 'BatchWriteItem', body);
}
const reqs = buildRequests(port, workloadBodies(workload, plan));
const r = await runLoad({ port, connections: 64, requests: reqs, maxRequests: n, durationMs: 3_600_000, hardTimeoutMs: 3_600_000 });
console.log(workload, r.ok, Math.round(r.opsPerSec));
