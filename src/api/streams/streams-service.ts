/**
 * @module api/streams/streams-service
 * The protocol target prefix of the DynamoDB Streams API: its operations
 * arrive at the same endpoint as DynamoDB's, told apart by X-Amz-Target.
 */
export const STREAMS_SERVICE = 'DynamoDBStreams_20120810.';
