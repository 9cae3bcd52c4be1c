import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { firstScreen } from './build/first-screen.ts';

// The web apps: built into web/dist and served by the Jokko server at /.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react(), firstScreen()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    // Read by the service worker (web/public/sw.js) to cache every asset at install.
    manifest: 'asset-manifest.json',
  },
  server: {
    proxy: {
      '/v1': 'http://localhost:3000',
      '/docs': 'http://localhost:3000',
      '/health': 'http://localhost:3000',
    },
  },
});
