import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The analyst page, served by the reporting service under /reports/.
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
  base: '/reports/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 600 },
  logLevel: 'warn',
});
