import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTemplate, hclToJson, tablesFromTerraform } from './terraform.js';

const scope = {
  variable: (name: string) => ({ env: 'prod', n: 3, tags: { a: 'b' } })[name],
  local: (name: string) => ({ prefix: 'x' })[name],
};

test('expressions: references, operators, conditionals, functions, templates', () => {
  const ev = (text: string) => evaluateTemplate(text, scope as never, 'here');
  assert.equal(ev('${var.env}'), 'prod');
  assert.equal(ev('${var.n}'), 3, 'a lone expression keeps its type');
  assert.equal(ev('${local.prefix}-${var.env}-${var.n + 1}'), 'x-prod-4');
  assert.equal(ev('${var.env == "prod" ? 10 : 1}'), 10);
  assert.equal(ev('${var.env != "prod" || var.n > 2}'), true);
  assert.equal(ev('${upper(var.env)}'), 'PROD');
  assert.equal(ev('${format("%s-%d", var.env, var.n)}'), 'prod-3');
  assert.deepEqual(ev('${merge(var.tags, {c = "d"})}'), { a: 'b', c: 'd' });
  assert.equal(ev('${lookup(var.tags, "z", "dflt")}'), 'dflt');
  assert.equal(ev('$${literal}'), '${literal}');
  assert.throws(() => ev('${aws_kms_key.k.arn}'), /'aws_kms_key' is not supported/);
  assert.throws(() => ev('${file("x")}'), /file\(\) is not supported/);
});

test('aws_dynamodb_table in Terraform JSON: blocks, defaults, count, variables', () => {
  const doc = {
    variable: { env: { default: 'dev' }, rcu: { type: 'number', default: 1 } },
    resource: {
      aws_dynamodb_table: {
        t: {
          name: 'orders-${var.env}',
          hash_key: 'pk',
          range_key: 'sk',
          read_capacity: '${var.rcu}',
          write_capacity: 2,
          attribute: [
            { name: 'pk', type: 'S' },
            { name: 'sk', type: 'N' },
            { name: 'g', type: 'S' },
          ],
          global_secondary_index: { name: 'byG', hash_key: 'g', projection_type: 'KEYS_ONLY', read_capacity: 1, write_capacity: 1 },
          ttl: { attribute_name: 'exp', enabled: true },
          point_in_time_recovery: { enabled: '${var.env == "prod"}' },
        },
        skipped: { count: 0, name: 'never', hash_key: 'id', attribute: { name: 'id', type: 'S' } },
      },
    },
  };
  const [t, ...rest] = tablesFromTerraform(doc, {});
  assert.equal(rest.length, 0);
  assert.equal(t!.TableName, 'orders-dev');
  assert.equal(t!.BillingMode, 'PROVISIONED', "Terraform's default billing mode");
  assert.deepEqual(t!.ProvisionedThroughput, { ReadCapacityUnits: 1, WriteCapacityUnits: 2 });
  assert.deepEqual(t!.GlobalSecondaryIndexes[0]!.ProvisionedThroughput, { ReadCapacityUnits: 1, WriteCapacityUnits: 1 });
  assert.equal(t!.TimeToLiveAttribute, 'exp');
  assert.equal(t!.PointInTimeRecovery, false);
  const prod = tablesFromTerraform(doc, { env: 'prod', rcu: '7' })[0]!;
  assert.equal(prod.PointInTimeRecovery, true);
  assert.equal(prod.ProvisionedThroughput!.ReadCapacityUnits, 7);
  assert.throws(
    () => tablesFromTerraform({ resource: { aws_dynamodb_table: { x: { name: 'x', hash_key: 'id', for_each: '${var.m}' } } } }, {}),
    /for_each is not supported/,
  );
});

test('HCL through HashiCorp\'s parser', async () => {
  const doc = await hclToJson(
    'main.tf',
    `variable "suffix" { default = "a" }
resource "aws_dynamodb_table" "t" {
  name         = "hcl-\${var.suffix}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
  stream_enabled   = true
  stream_view_type = "KEYS_ONLY"
  tags = { team = "x" }
}`,
  );
  const [t] = tablesFromTerraform(doc, {});
  assert.equal(t!.TableName, 'hcl-a');
  assert.equal(t!.StreamViewType, 'KEYS_ONLY');
  assert.deepEqual(t!.Tags, { team: 'x' });
  await assert.rejects(hclToJson('bad.tf', 'resource "x" {'), /not valid HCL/);
});
