import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The settings page (a person's account; a brand's sign-in settings), served by the gateway under /settings/.
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
  base: '/settings/',
  build: { outDir: 'dist', emptyOutDir: true },
  logLevel: 'warn',
});
