// @vitest-environment node
// The generated wire types must match the server's OpenAPI document: regenerate them in
// memory and compare with the file in the tree (`npm run gen:api` fixes a failure).
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateSchema, schemaPath } from '../../scripts/gen-api.mjs';

describe('src/api/schema.d.ts', () => {
  it('is up to date with docs/openapi.json (run `npm run gen:api` if this fails)', async () => {
    const [fresh, inTree] = await Promise.all([generateSchema(), readFile(schemaPath, 'utf8')]);
    expect(inTree === fresh, 'schema.d.ts is stale: run `npm run gen:api` in web/').toBe(true);
  }, 30_000);
});
