/**
 * @module storage/memory-engine.test
 * The in-memory engine against the shared storage contract.
 */
import { runContractSuite } from './contract.js';
import { MemoryEngine } from './memory-engine.js';

runContractSuite('memory', async () => new MemoryEngine());
