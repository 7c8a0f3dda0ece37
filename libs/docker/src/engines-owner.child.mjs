// A worker for engines-owner.int-spec.ts that the test can SIGKILL: it opens a ScriptBuildEngines
// pool on the directory it is given, acquires a repository's engine and a throwaway one, says
// "ready" and waits. Node runs the TypeScript sources as they are: the hooks below resolve
// `@drydock/<lib>` and `./x.js` to the .ts files and transpile them (typescript's transpileModule).
//   node engines-owner.child.mjs '{"dir": …, "registryPort": …, "buildAllowNets": […], "baseImagesFrom": …, "dockerCli": …}'
import { readFileSync, existsSync } from 'node:fs';
import { createRequire, registerHooks } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '../../..');
const ts = createRequire(path.join(root, 'package.json'))('typescript');

registerHooks({
  resolve(specifier, context, next) {
    const lib = /^@drydock\/([a-z-]+)$/.exec(specifier);
    if (lib) return { url: pathToFileURL(path.join(root, 'libs', lib[1], 'src', 'index.ts')).href, shortCircuit: true };
    if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
      const file = path.resolve(path.dirname(fileURLToPath(context.parentURL)), `${specifier.slice(0, -3)}.ts`);
      if (existsSync(file)) return { url: pathToFileURL(file).href, shortCircuit: true };
    }
    return next(specifier, context);
  },
  load(url, context, next) {
    if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
    const fileName = fileURLToPath(url);
    const compilerOptions = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023, experimentalDecorators: true };
    const { outputText } = ts.transpileModule(readFileSync(fileName, 'utf8'), { fileName, compilerOptions });
    return { format: 'module', source: outputText, shortCircuit: true };
  },
});

const options = JSON.parse(process.argv[2]);
const { ScriptBuildEngines } = await import(pathToFileURL(path.join(root, 'libs/docker/src/script-build-engines.ts')).href);
const engines = new ScriptBuildEngines({
  ...options,
  maxEngines: 2,
  makeEngine: (dockerHost) => ({ dockerHost }), // nothing is built: the engines only have to run
  check: async () => undefined,
  log: (message) => console.error(message),
});
try {
  await engines.acquire({ repo: 'owner/kept' });
  await engines.acquire({ repo: 'owner/fork', ephemeral: true });
} catch (err) {
  console.error(err);
  process.exit(1);
}
console.log('ready');
setInterval(() => undefined, 1 << 30);
