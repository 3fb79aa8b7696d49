import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The operator inbox, served by the conversation service under /inbox/.
export default defineConfig({
  root: import.meta.dirname,
  // The pages' shared browser code (libs/page-session), as tsconfig.base.json maps it.
  resolve: {
    alias: {
      '@textback/page-session': resolve(
        import.meta.dirname,
        '../../../libs/page-session/src/index.ts',
      ),
    },
  },
  base: '/inbox/',
  build: { outDir: 'dist', emptyOutDir: true },
  logLevel: 'warn',
});
