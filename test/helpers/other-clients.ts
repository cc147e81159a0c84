/**
 * @module test/helpers/other-clients
 * What the tests that drive boto3 (this machine's Python) or the AWS CLI
 * share: the environment those clients run in, and probes for whether they
 * are installed at all (a test skips, with its reason, when not).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** Example credentials and region, and nothing read from the machine's AWS config or instance metadata. */
export const CLIENT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
};

async function runs(command: string, args: string[]): Promise<boolean> {
  try {
    await promisify(execFile)(command, args, { env: CLIENT_ENV, timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** Whether python3 can import boto3. */
export const boto3Available = (): Promise<boolean> => runs('python3', ['-c', 'import boto3']);

/** Whether the AWS CLI runs. */
export const awsCliAvailable = (): Promise<boolean> => runs('aws', ['--version']);
