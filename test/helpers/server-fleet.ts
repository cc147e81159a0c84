/**
 * @module test/helpers/server-fleet
 * Several independently started openddb server processes on one store — an
 * LMDB data directory or a PostgreSQL database — each with its DynamoDB and
 * Streams client, for the tests that check many processes behave as one
 * database.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { client, startServerProcess, type ServerProcess } from './server-process.js';
import { streamsClient } from './streams.js';

/** The data the servers share: a data directory (`--data`) or a PostgreSQL URL (`--storage`). */
export type SharedStore = { readonly dataDir: string } | { readonly postgresUrl: string };

export interface ServerFleet {
  readonly servers: ServerProcess[];
  readonly ddbs: DynamoDBClient[];
  readonly streamClients: DynamoDBStreamsClient[];
  /** The client of server i % n: spreads requests over all of them. */
  via(i: number): DynamoDBClient;
  /** Starts a new process on the store in server i's place (after a kill, say), with new clients. */
  replace(i: number): Promise<void>;
  /** Destroys the clients and stops every server. */
  stop(): Promise<void>;
}

/**
 * A server on the shared store. On PostgreSQL it is one process whatever the
 * suite's variant says: the test names the storage itself.
 */
function startOn(store: SharedStore): Promise<ServerProcess> {
  return 'dataDir' in store
    ? startServerProcess({ dataDir: store.dataDir })
    : startServerProcess({ storageInArgs: true, workers: 1, extraArgs: ['--storage', store.postgresUrl] });
}

/**
 * Starts `count` servers on `store`: one after the other (each opens a store
 * the ones before it already use), or with `together` all at once (they race
 * to set the store up).
 */
export async function startFleet(count: number, store: SharedStore, options: { together?: boolean } = {}): Promise<ServerFleet> {
  const servers: ServerProcess[] = [];
  if (options.together) servers.push(...(await Promise.all(Array.from({ length: count }, () => startOn(store)))));
  else for (let i = 0; i < count; i++) servers.push(await startOn(store));
  const ddbs = servers.map((server) => client(server.url));
  const streamClients = servers.map((server) => streamsClient(server.url));
  return {
    servers,
    ddbs,
    streamClients,
    via: (i) => ddbs[i % ddbs.length]!,
    async replace(i) {
      const server = await startOn(store);
      servers[i] = server;
      ddbs[i]!.destroy();
      ddbs[i] = client(server.url);
      streamClients[i]!.destroy();
      streamClients[i] = streamsClient(server.url);
    },
    async stop() {
      for (const c of [...ddbs, ...streamClients]) c.destroy();
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
