/**
 * Black-box: `--auth` on the resources beyond tables — backups (the
 * backup ARN `<table ARN>/backup/<id>`; a restore's item actions on its
 * target table), point-in-time restores, and other accounts' tables named
 * by ARN inside batches and transactions (cross-account access needs the
 * table's resource-based policy; every refusal names the caller); and the
 * credentials file's IAM groups and role sessions (with session policies).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchGetItemCommand, BatchWriteItemCommand, CreateBackupCommand, CreateTableCommand, DeleteBackupCommand, DescribeBackupCommand,
  DynamoDBClient, ListBackupsCommand, PutItemCommand, PutResourcePolicyCommand, RestoreTableFromBackupCommand,
  RestoreTableToPointInTimeCommand, TransactWriteItemsCommand, GetItemCommand, TransactGetItemsCommand, DeleteItemCommand, ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { expectError, startServerProcess, tempDir, type ServerProcess } from './helpers/server-process.js';
import { hashKeyTable } from './helpers/tables.js';
import { backupAvailable, tableActive } from './helpers/backups.js';

const A = '111122223333';
const B = '444455556666';
const tableArn = (account: string, table: string) => `arn:aws:dynamodb:us-east-1:${account}:table/${table}`;
const ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }] };
const RESTORE_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem'];

const ROLE = `arn:aws:iam::${A}:role/app`;
const itemActions = (actions: string[], table: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: tableArn(A, table) }] });

const IDENTITIES = {
  groups: [{ name: 'readers', policies: [itemActions(['dynamodb:GetItem'], 'res_one')] }],
  roles: [{ arn: ROLE, policies: [itemActions(['dynamodb:GetItem', 'dynamodb:PutItem'], 'res_one')] }],
  identities: [
    // A user in a group: the group's policies and the user's own.
    { accessKeyId: 'AKIDGROUPED', secretAccessKey: 'grouped-secret', arn: `arn:aws:iam::${A}:user/grouped`, groups: ['readers'], policies: [itemActions(['dynamodb:PutItem'], 'res_one')] },
    // Sessions of a role: one narrowed by a session policy, one not.
    {
      accessKeyId: 'ASIANARROW', secretAccessKey: 'narrow-secret', sessionToken: 'narrow-token', arn: `arn:aws:sts::${A}:assumed-role/app/narrow`, role: ROLE,
      policies: [itemActions(['dynamodb:GetItem', 'dynamodb:DeleteItem'], 'res_one')],
    },
    { accessKeyId: 'ASIAFULL', secretAccessKey: 'full-secret', sessionToken: 'full-token', arn: `arn:aws:sts::${A}:assumed-role/app/full`, role: ROLE },
    { accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret', arn: `arn:aws:iam::${A}:user/admin`, policies: [ALL] },
    { accessKeyId: 'AKIDOTHER', secretAccessKey: 'other-secret', arn: `arn:aws:iam::${B}:user/other`, policies: [ALL] },
    // Backups of res_one only; restores only into res_restored; never DeleteBackup.
    {
      accessKeyId: 'AKIDBACKUP', secretAccessKey: 'backup-secret', arn: `arn:aws:iam::${A}:user/backupper`,
      policies: [{
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['dynamodb:CreateBackup', 'dynamodb:RestoreTableToPointInTime'], Resource: tableArn(A, 'res_one') },
          { Effect: 'Allow', Action: ['dynamodb:DescribeBackup', 'dynamodb:RestoreTableFromBackup', 'dynamodb:DeleteBackup'], Resource: `${tableArn(A, 'res_one')}/backup/*` },
          { Effect: 'Deny', Action: 'dynamodb:DeleteBackup', Resource: '*' },
          { Effect: 'Allow', Action: RESTORE_ACTIONS, Resource: [tableArn(A, 'res_restored'), tableArn(A, 'res_pitr')] },
          { Effect: 'Allow', Action: 'dynamodb:ListBackups', Resource: `arn:aws:dynamodb:us-east-1:${A}:table/*` },
          { Effect: 'Allow', Action: 'dynamodb:DescribeTable', Resource: '*' },
        ],
      }],
    },
    // Restores from any backup, but may not write the target table.
    {
      accessKeyId: 'AKIDNOWRITE', secretAccessKey: 'nowrite-secret', arn: `arn:aws:iam::${A}:user/nowrite`,
      policies: [{
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['dynamodb:RestoreTableFromBackup', 'dynamodb:RestoreTableToPointInTime', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'], Resource: '*' }],
      }],
    },
  ],
};

function sdk(url: string, accessKeyId: string, secretAccessKey: string, sessionToken?: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: url, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) },
  });
}

describe('--auth: backups, restores and cross-account items', () => {
  let server: ServerProcess;
  let dir: { path: string; remove(): void };
  let admin: DynamoDBClient;
  let other: DynamoDBClient;
  let backupper: DynamoDBClient;
  let nowrite: DynamoDBClient;

  before(async () => {
    dir = tempDir('openddb-auth-resources-');
    const file = join(dir.path, 'auth.json');
    writeFileSync(file, JSON.stringify(IDENTITIES));
    server = await startServerProcess({ extraArgs: ['--auth', file] });
    admin = sdk(server.url, 'AKIDADMIN', 'admin-secret');
    other = sdk(server.url, 'AKIDOTHER', 'other-secret');
    backupper = sdk(server.url, 'AKIDBACKUP', 'backup-secret');
    nowrite = sdk(server.url, 'AKIDNOWRITE', 'nowrite-secret');
    for (const name of ['res_one', 'res_two']) {
      await admin.send(new CreateTableCommand(hashKeyTable(name)));
      await admin.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'k1' }, v: { S: name } } }));
    }
    await other.send(new CreateTableCommand(hashKeyTable('res_mine')));
  });
  after(async () => {
    for (const c of [admin, other, backupper, nowrite]) c.destroy();
    await server.stop();
    dir.remove();
  });

  test('backups are authorized on the backup ARN; CreateBackup on the table', async () => {
    const mine = (await backupper.send(new CreateBackupCommand({ TableName: 'res_one', BackupName: 'bk1' }))).BackupDetails!.BackupArn!;
    assert.ok(mine.startsWith(`${tableArn(A, 'res_one')}/backup/`), mine);
    await backupAvailable(backupper, mine);
    await expectError(backupper.send(new CreateBackupCommand({ TableName: 'res_two', BackupName: 'bk2' })), 'AccessDeniedException',
      `User: arn:aws:iam::${A}:user/backupper is not authorized to perform: dynamodb:CreateBackup on resource: ${tableArn(A, 'res_two')} because no identity-based policy allows the dynamodb:CreateBackup action`);
    const theirs = (await admin.send(new CreateBackupCommand({ TableName: 'res_two', BackupName: 'bk2' }))).BackupDetails!.BackupArn!;
    await expectError(backupper.send(new DescribeBackupCommand({ BackupArn: theirs })), 'AccessDeniedException',
      `User: arn:aws:iam::${A}:user/backupper is not authorized to perform: dynamodb:DescribeBackup on resource: ${theirs} because no identity-based policy allows the dynamodb:DescribeBackup action`);
    await expectError(backupper.send(new DeleteBackupCommand({ BackupArn: mine })), 'AccessDeniedException',
      `User: arn:aws:iam::${A}:user/backupper is not authorized to perform: dynamodb:DeleteBackup on resource: ${mine} with an explicit deny in an identity-based policy`);
    const listed = await backupper.send(new ListBackupsCommand({}));
    assert.deepEqual(listed.BackupSummaries?.map((b) => b.BackupArn).sort(), [mine, theirs].sort());
    // Another account: a backup has no resource-based policy, so nothing can grant it.
    await expectError(other.send(new DescribeBackupCommand({ BackupArn: mine })), 'AccessDeniedException',
      `User: arn:aws:iam::${B}:user/other is not authorized to perform: dynamodb:DescribeBackup on resource: ${mine} because no resource-based policy allows the dynamodb:DescribeBackup action`);
    // Nothing was deleted by the refusals.
    assert.equal((await admin.send(new DescribeBackupCommand({ BackupArn: mine }))).BackupDescription?.BackupDetails?.BackupStatus, 'AVAILABLE');
  });

  test("a restore needs the backup's action and read and write actions on the target table", async () => {
    const arn = (await admin.send(new CreateBackupCommand({ TableName: 'res_one', BackupName: 'for_restore' }))).BackupDetails!.BackupArn!;
    await backupAvailable(admin, arn);
    await expectError(backupper.send(new RestoreTableFromBackupCommand({ BackupArn: arn, TargetTableName: 'res_elsewhere' })), 'AccessDeniedException',
      `User: arn:aws:iam::${A}:user/backupper is not authorized to perform: dynamodb:BatchWriteItem on resource: ${tableArn(A, 'res_elsewhere')} because no identity-based policy allows the dynamodb:BatchWriteItem action`);
    await expectError(nowrite.send(new RestoreTableFromBackupCommand({ BackupArn: arn, TargetTableName: 'res_restored' })), 'AccessDeniedException',
      `User: arn:aws:iam::${A}:user/nowrite is not authorized to perform: dynamodb:BatchWriteItem on resource: ${tableArn(A, 'res_restored')} because no identity-based policy allows the dynamodb:BatchWriteItem action`);
    await backupper.send(new RestoreTableFromBackupCommand({ BackupArn: arn, TargetTableName: 'res_restored' }));
    await tableActive(backupper, 'res_restored');
    const item = await admin.send(new GetItemCommand({ TableName: 'res_restored', Key: { pk: { S: 'k1' } } }));
    assert.equal(item.Item?.v?.S, 'res_one');
    // Point in time: the action on the source table (checked before anything else, PITR on or not).
    await expectError(backupper.send(new RestoreTableToPointInTimeCommand({ SourceTableName: 'res_two', TargetTableName: 'res_pitr', UseLatestRestorableTime: true })),
      'AccessDeniedException',
      `User: arn:aws:iam::${A}:user/backupper is not authorized to perform: dynamodb:RestoreTableToPointInTime on resource: ${tableArn(A, 'res_two')} because no identity-based policy allows the dynamodb:RestoreTableToPointInTime action`);
    await expectError(nowrite.send(new RestoreTableToPointInTimeCommand({ SourceTableName: 'res_one', TargetTableName: 'res_pitr', UseLatestRestorableTime: true })),
      'AccessDeniedException', /perform: dynamodb:BatchWriteItem on resource: arn:aws:dynamodb:us-east-1:111122223333:table\/res_pitr because no identity-based policy/);
    // Allowed: then the operation's own answer (point-in-time recovery is off).
    await expectError(backupper.send(new RestoreTableToPointInTimeCommand({ SourceTableName: 'res_one', TargetTableName: 'res_pitr', UseLatestRestorableTime: true })),
      'PointInTimeRecoveryUnavailableException');
  });

  test('groups lend their policies to members; role sessions act with their role\'s, narrowed by session policies', async () => {
    const key = { pk: { S: 'k1' } };
    const grouped = sdk(server.url, 'AKIDGROUPED', 'grouped-secret');
    const narrow = sdk(server.url, 'ASIANARROW', 'narrow-secret', 'narrow-token');
    const full = sdk(server.url, 'ASIAFULL', 'full-secret', 'full-token');
    try {
      assert.equal((await grouped.send(new GetItemCommand({ TableName: 'res_one', Key: key }))).Item?.pk?.S, 'k1');
      await grouped.send(new PutItemCommand({ TableName: 'res_one', Item: { pk: { S: 'grouped' } } }));
      await expectError(grouped.send(new GetItemCommand({ TableName: 'res_two', Key: key })), 'AccessDeniedException',
        `User: arn:aws:iam::${A}:user/grouped is not authorized to perform: dynamodb:GetItem on resource: ${tableArn(A, 'res_two')} because no identity-based policy allows the dynamodb:GetItem action`);

      assert.equal((await narrow.send(new GetItemCommand({ TableName: 'res_one', Key: key }))).Item?.pk?.S, 'k1');
      const session = `arn:aws:sts::${A}:assumed-role/app/narrow`;
      await expectError(narrow.send(new PutItemCommand({ TableName: 'res_one', Item: { pk: { S: 'narrow' } } })), 'AccessDeniedException',
        `User: ${session} is not authorized to perform: dynamodb:PutItem on resource: ${tableArn(A, 'res_one')} because no session policy allows the dynamodb:PutItem action`);
      // The session policy allows DeleteItem, the role does not: no grant.
      await expectError(narrow.send(new DeleteItemCommand({ TableName: 'res_one', Key: key })), 'AccessDeniedException',
        `User: ${session} is not authorized to perform: dynamodb:DeleteItem on resource: ${tableArn(A, 'res_one')} because no identity-based policy allows the dynamodb:DeleteItem action`);
      await full.send(new PutItemCommand({ TableName: 'res_one', Item: { pk: { S: 'full' } } }));
      await expectError(full.send(new ScanCommand({ TableName: 'res_two' })), 'AccessDeniedException', /because no identity-based policy allows the dynamodb:Scan action$/);
      // A resource-based policy naming the role grants its sessions.
      await admin.send(new PutResourcePolicyCommand({
        ResourceArn: tableArn(A, 'res_two'),
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'dynamodb:Scan', Resource: tableArn(A, 'res_two') }] }),
      }));
      assert.ok(((await full.send(new ScanCommand({ TableName: 'res_two' }))).Count ?? 0) >= 1);
      // Session policies narrow that grant too.
      await expectError(narrow.send(new ScanCommand({ TableName: 'res_two' })), 'AccessDeniedException',
        `User: ${session} is not authorized to perform: dynamodb:Scan on resource: ${tableArn(A, 'res_two')} because no session policy allows the dynamodb:Scan action`);
      // The session's token is part of its identity.
      await expectError(sdk(server.url, 'ASIAFULL', 'full-secret').send(new GetItemCommand({ TableName: 'res_one', Key: key })), 'UnrecognizedClientException');
    } finally {
      for (const c of [grouped, narrow, full]) c.destroy();
    }
  });

  test("another account's tables in batches and transactions: the table's resource-based policy decides, refusals name the caller", async () => {
    const one = tableArn(A, 'res_one');
    const key = { pk: { S: 'k1' } };
    await expectError(other.send(new BatchGetItemCommand({ RequestItems: { [one]: { Keys: [key] } } })), 'AccessDeniedException',
      `User: arn:aws:iam::${B}:user/other is not authorized to perform: dynamodb:BatchGetItem on resource: ${one} because no resource-based policy allows the dynamodb:BatchGetItem action`);
    await expectError(other.send(new BatchWriteItemCommand({ RequestItems: { [one]: [{ PutRequest: { Item: { pk: { S: 'x' } } } }] } })), 'AccessDeniedException',
      `User: arn:aws:iam::${B}:user/other is not authorized to perform: dynamodb:BatchWriteItem on resource: ${one} because no resource-based policy allows the dynamodb:BatchWriteItem action`);
    await expectError(other.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: one, Item: { pk: { S: 'x' } } } }] })), 'AccessDeniedException',
      `User: arn:aws:iam::${B}:user/other is not authorized to perform: dynamodb:PutItem on resource: ${one} because no resource-based policy allows the dynamodb:PutItem action`);

    await admin.send(new PutResourcePolicyCommand({
      ResourceArn: one,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:user/other` },
          Action: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:GetItem'], Resource: one,
        }],
      }),
    }));
    // Granted: a request naming only that account's tables runs in it.
    const got = await other.send(new BatchGetItemCommand({ RequestItems: { [one]: { Keys: [key] } } }));
    assert.equal(got.Responses?.[one]?.[0]?.v?.S, 'res_one');
    await other.send(new BatchWriteItemCommand({ RequestItems: { [one]: [{ PutRequest: { Item: { pk: { S: 'from-b' } } } }] } }));
    await other.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: one, Item: { pk: { S: 'from-b-tx' } } } }] }));
    const read = await other.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: one, Key: { pk: { S: 'from-b-tx' } } } }] }));
    assert.equal(read.Responses?.[0]?.Item?.pk?.S, 'from-b-tx');
    assert.equal((await admin.send(new GetItemCommand({ TableName: 'res_one', Key: { pk: { S: 'from-b' } } }))).Item?.pk?.S, 'from-b');
    // A request mixing the caller's own table with another account's is refused whole, naming the caller.
    await expectError(other.send(new BatchGetItemCommand({ RequestItems: { res_mine: { Keys: [key] }, [one]: { Keys: [key] } } })), 'AccessDeniedException',
      `User: arn:aws:iam::${B}:user/other is not authorized to perform this operation on resource: ${one} because no resource-based policy allows it`);
    // Not granted: DeleteItem inside a transaction.
    await expectError(other.send(new TransactWriteItemsCommand({ TransactItems: [{ Delete: { TableName: one, Key: key } }] })), 'AccessDeniedException',
      `User: arn:aws:iam::${B}:user/other is not authorized to perform: dynamodb:DeleteItem on resource: ${one} because no resource-based policy allows the dynamodb:DeleteItem action`);
    assert.equal((await admin.send(new GetItemCommand({ TableName: 'res_one', Key: key }))).Item?.v?.S, 'res_one');
  });
});
