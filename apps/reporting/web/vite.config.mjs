import { defineConfig } from 'vite';

// The analyst page, served by the reporting service under /reports/.
export default defineConfig({
  root: import.meta.dirname,
  base: '/reports/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 600 },
  logLevel: 'warn',
});
