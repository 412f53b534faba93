import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createDocumentStore, documentSize } from '../documentStore.ts';

describe('the document store', () => {
  it("counts a document's source text, which its JSON leaves out", () => {
    const text = `{ __typename } #${'x'.repeat(100_000)}`;
    const document = parse(text);
    expect(JSON.stringify(document).length).toBeLessThan(1_000);
    expect(documentSize(document)).toBeGreaterThan(text.length);
  });

  it('keeps the most recently used documents within its size, and never one larger than all of it', async () => {
    const doc = (n: number, padding: number) => parse(`{ a${n}: __typename } #${'x'.repeat(padding)}`);
    const one = documentSize(doc(1, 1_000));
    const store = createDocumentStore(3 * one + 10);
    await store.set('1', doc(1, 1_000));
    await store.set('2', doc(2, 1_000));
    await store.set('3', doc(3, 1_000));
    expect(await store.get('1')).toBeDefined(); // 1 is now the most recently used
    await store.set('4', doc(4, 1_000));
    expect(await store.get('2')).toBeUndefined();
    expect(await store.get('1')).toBeDefined();
    expect(await store.get('3')).toBeDefined();
    expect(await store.get('4')).toBeDefined();
    expect(store.size).toBeLessThanOrEqual(3 * one + 10);

    await store.set('huge', doc(5, 10_000));
    expect(await store.get('huge')).toBeUndefined();
    expect(await store.get('4')).toBeDefined();

    expect(await store.delete('4')).toBe(true);
    expect(await store.get('4')).toBeUndefined();
    expect(await store.delete('4')).toBe(false);
  });

  it('replaces a document set again under the same key without counting it twice', async () => {
    const store = createDocumentStore();
    const document = parse('{ __typename }');
    await store.set('k', document);
    await store.set('k', document);
    expect(store.size).toBe(documentSize(document));
  });
});
