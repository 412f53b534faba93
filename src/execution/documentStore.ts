/**
 * Apollo Server's cache of parsed and validated documents, sized by what a document holds.
 *
 * Apollo's default store (an LRU of 30 MiB) sizes a document by `JSON.stringify`, and a parsed
 * document's JSON leaves out its source: graphql-js's `Location` serializes as `{ start, end }`,
 * while every node keeps the whole query text alive through `loc.source`. Comments and whitespace
 * are not tokens, so within the token limit a query of a few tokens can carry most of a megabyte
 * of text, and the default store would count it as a few hundred bytes. Here a document counts
 * its source text as well, so the store's bound is a bound on memory.
 */
import type { DocumentNode } from 'graphql';

/** What Apollo Server asks of a `documentStore` (its `KeyValueCache<DocumentNode>`). */
export interface DocumentStore {
  get(key: string): Promise<DocumentNode | undefined>;
  set(key: string, value: DocumentNode, options?: { ttl?: number | null }): Promise<void>;
  delete(key: string): Promise<boolean | void>;
}

/** Apollo's default budget: 30 MiB. */
export const DOCUMENT_STORE_SIZE = 30 * 1024 * 1024;

/** The size a document is counted at: its AST as JSON, as Apollo counts it, plus its source text. */
export function documentSize(document: DocumentNode): number {
  return JSON.stringify(document).length + (document.loc?.source.body.length ?? 0);
}

/** Least recently used documents go first once their sizes add up to more than `maxSize`. */
export function createDocumentStore(maxSize: number = DOCUMENT_STORE_SIZE): DocumentStore & { readonly size: number } {
  // A Map iterates in insertion order: a document read again is moved to the end.
  const documents = new Map<string, { document: DocumentNode; size: number }>();
  let size = 0;
  const remove = (key: string) => {
    const entry = documents.get(key);
    if (!entry) return false;
    documents.delete(key);
    size -= entry.size;
    return true;
  };
  return {
    get size() {
      return size;
    },
    async get(key) {
      const entry = documents.get(key);
      if (!entry) return undefined;
      documents.delete(key);
      documents.set(key, entry);
      return entry.document;
    },
    async set(key, document) {
      remove(key);
      const entry = { document, size: documentSize(document) };
      if (entry.size > maxSize) return; // would push out every other document, and then itself
      documents.set(key, entry);
      size += entry.size;
      for (const oldest of documents.keys()) {
        if (size <= maxSize) break;
        remove(oldest);
      }
    },
    async delete(key) {
      return remove(key);
    },
  };
}
