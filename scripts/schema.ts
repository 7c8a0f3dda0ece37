import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DRYDOCK_SCHEMA_FILE, drydockJsonSchemaText } from '@drydock/pipeline';

// `npm run schema`: writes the JSON Schema of `.drydock.yml` from its zod schema (run from the repository root).
const file = path.resolve(DRYDOCK_SCHEMA_FILE);
await writeFile(file, drydockJsonSchemaText());
console.log(`wrote ${file}`);
