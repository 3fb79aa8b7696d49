import { defineConfig } from 'vite';

// The operator inbox, served by the conversation service under /inbox/.
export default defineConfig({
  root: import.meta.dirname,
  base: '/inbox/',
  build: { outDir: 'dist', emptyOutDir: true },
  logLevel: 'warn',
});
