/** The build's hash of a file's bytes (and of its keys' texts): one function, so the catalog's hashes agree wherever a file is hashed. */
import { createHash } from 'node:crypto';

export function sha1(data: string | Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}
