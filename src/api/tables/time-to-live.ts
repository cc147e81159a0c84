/**
 * @module api/tables/time-to-live
 * UpdateTimeToLive and DescribeTimeToLive: the setting. Expired items are
 * deleted by the sweeper (ttl/ttl-sweeper), which reads it from the catalog.
 */
import { errors } from '../../errors/index.js';
import { bool, str, struct, tableNameOrArn } from '../../validate/index.js';
import { defineOperation } from '../operation.js';
import { requireTableNameParameter } from './table-schemas.js';
import { requireTableForControl } from '../../data/table-lookup.js';

interface UpdateInput {
  TableName: string;
  TimeToLiveSpecification: { Enabled: boolean; AttributeName: string };
}

export const updateTimeToLive = defineOperation<UpdateInput>({
  name: 'UpdateTimeToLive',
  schema: {
    members: {
      TableName: tableNameOrArn({ required: true }),
      TimeToLiveSpecification: struct(
        {
          Enabled: bool({ required: true }),
          AttributeName: str({ required: true, min: 1, max: 255 }),
        },
        { required: true },
      ),
    },
  },
  async run({ db }, input) {
    const spec = input.TimeToLiveSpecification;
    for (;;) {
      const table = requireTableForControl(db, input.TableName);
      const current = table.ttl;
      if (spec.Enabled && current?.enabled) throw errors.validation('TimeToLive is already enabled');
      if (!spec.Enabled && !current?.enabled) throw errors.validation('TimeToLive is already disabled');
      if (!spec.Enabled && current && current.attributeName !== spec.AttributeName) {
        throw errors.validation(
          `TimeToLive is active on a different AttributeName: current AttributeName is ${current.attributeName}`,
        );
      }
      const next = { ...table, ttl: { attributeName: spec.AttributeName, enabled: spec.Enabled } };
      if (await db.catalog.replace(table, next)) {
        return { TimeToLiveSpecification: { Enabled: spec.Enabled, AttributeName: spec.AttributeName } };
      }
    }
  },
});

export const describeTimeToLive = defineOperation<{ TableName: string }>({
  name: 'DescribeTimeToLive',
  schema: { members: { TableName: tableNameOrArn({ required: true }) } },
  precheck: requireTableNameParameter,
  async run({ db }, input) {
    const table = requireTableForControl(db, input.TableName);
    if (!table.ttl?.enabled) return { TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } };
    return { TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: table.ttl.attributeName } };
  },
});
