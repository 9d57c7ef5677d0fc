// Vite build of the Calendula web app. The C server serves web/dist; during
// development `npm run dev` proxies /api to a calendula given by CALENDULA_API
// (default http://127.0.0.1:8080).
import { defineConfig } from 'vitest/config';

const api = process.env.CALENDULA_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600,
    rollupOptions: {
      // Libraries' "use client" lines mean nothing in a client-only bundle.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: { proxy: { '/api': { target: api, changeOrigin: false } } },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
