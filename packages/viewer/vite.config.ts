import { defineConfig } from 'vite';

// Built once at build time into dist/ (index.html + hashed assets under /assets/): no CDN, no runtime
// fetch but the /v2 API of the server that serves the files (`hud view` or the gateway).
export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022' },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
