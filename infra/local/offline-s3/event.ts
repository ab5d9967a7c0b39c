/**
 * The S3 event notification Lambda receives, built from what ListObjectsV2 tells us about an
 * object. Shape as AWS documents it (event message structure, version 2.1 for ObjectCreated:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html),
 * including the fields the handler does not read, so that any S3 event parser (ours, Powertools'
 * S3Schema) accepts it as it would a real one.
 */
import { stripETagQuotes, type S3ObjectInfo } from '../lib/s3List';

export { stripETagQuotes, type S3ObjectInfo };

/** An object as the lister reports it. */

export interface S3EventMeta {
  bucket: string;
  region: string;
  /** The notification configuration's ID; on AWS, the framework names it after the function. */
  configurationId: string;
}

export interface S3EventRecord {
  eventVersion: '2.1';
  eventSource: 'aws:s3';
  awsRegion: string;
  eventTime: string;
  eventName: 'ObjectCreated:Put';
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: { 'x-amz-request-id': string; 'x-amz-id-2': string };
  s3: {
    s3SchemaVersion: '1.0';
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    object: { key: string; size: number; eTag: string; sequencer: string };
  };
}

export interface S3Event {
  Records: S3EventRecord[];
}

/**
 * AWS URL-encodes the key in the event, form style: "The object key name value is URL encoded.
 * For example, 'red flower.jpg' becomes 'red+flower.jpg'" (same page as above). So a space is `+`
 * and a literal `+` is `%2B`; `/` between path segments stays as is. encodeURIComponent per
 * segment gives that, except that it writes a space as %20, which is swapped for `+`.
 */
export function encodeEventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');
}

/** The inverse, for consumers and tests: `+` is a space, then percent-decoding. */
export function decodeFormEncodedKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/**
 * S3's sequencer orders events for one key (a later PUT has a greater value); the object's
 * LastModified in hex, zero-padded to a fixed width, keeps that order under string comparison.
 */
export function sequencerFor(o: S3ObjectInfo): string {
  return o.lastModified.getTime().toString(16).toUpperCase().padStart(16, '0');
}

// Locally there is no IAM principal or request; fixed values say "emulated" without pretending.
const LOCAL_PRINCIPAL = 'offline-s3';
const LOCAL_IP = '127.0.0.1';

export function buildS3Record(meta: S3EventMeta, o: S3ObjectInfo): S3EventRecord {
  const requestId = sequencerFor(o);
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: meta.region,
    // When S3 finished the PUT: the object's LastModified is the closest we know.
    eventTime: o.lastModified.toISOString(),
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: LOCAL_PRINCIPAL },
    requestParameters: { sourceIPAddress: LOCAL_IP },
    responseElements: { 'x-amz-request-id': requestId, 'x-amz-id-2': `${LOCAL_PRINCIPAL}/${requestId}` },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: meta.configurationId,
      bucket: { name: meta.bucket, ownerIdentity: { principalId: LOCAL_PRINCIPAL }, arn: `arn:aws:s3:::${meta.bucket}` },
      object: { key: encodeEventKey(o.key), size: o.size, eTag: o.eTag, sequencer: sequencerFor(o) },
    },
  };
}

export function buildS3Event(meta: S3EventMeta, objects: readonly S3ObjectInfo[]): S3Event {
  return { Records: objects.map((o) => buildS3Record(meta, o)) };
}
