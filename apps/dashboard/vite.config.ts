import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The dashboard is bundled whole into dist/dashboard (no CDN at run time); the API serves it.
export default defineConfig({
  root,
  base: '/',
  build: { outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)), emptyOutDir: true },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
