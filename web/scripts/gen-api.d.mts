// Types of scripts/gen-api.mjs for the TypeScript test that imports it.
export const specPath: string;
export const schemaPath: string;
export function generateSchema(path?: string): Promise<string>;
