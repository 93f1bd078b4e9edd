import { readFileSync } from 'node:fs';
import { TransformError } from '../errors.js';
import type { Catalog } from './types.js';
import { parseCatalog } from './validate.js';

/**
 * Reads and validates a catalog file. Synchronous on purpose: it runs once at startup (Lambda module scope), where
 * a failure must stop the process with a clear message rather than fail every later invocation.
 */
export function loadCatalogFile(path: string): Catalog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TransformError('TG_ERR_CATALOG', `cannot read catalog ${path}: ${(cause as Error).message}`, {
      cause,
      detail: { source: path },
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new TransformError('TG_ERR_CATALOG', `catalog ${path} is not JSON: ${(cause as Error).message}`, {
      cause,
      detail: { source: path },
    });
  }
  return parseCatalog(value, path);
}
