export { startLocalS3, DEFAULT_LOCAL_S3_OPTIONS, LOCAL_S3_CREDENTIALS } from './server.js';
export type { LocalS3, LocalS3Options } from './server.js';
export { createS3Client, DEFAULT_S3_CLIENT_OPTIONS } from './client.js';
export type { S3ClientOptions } from './client.js';
