// SPDX-License-Identifier: Apache-2.0
// Build of the WatchTower console. The output (web/dist) is served by `watchtower serve --web-dir`
// under a strict CSP (script-src 'self'; style-src 'self'), so the built index.html must not carry
// any inline script or style: the module-preload polyfill (an inline script) is turned off, and
// JSX is compiled by esbuild directly (no React plugin, no inline refresh preamble).
import { defineConfig } from 'vite';

export default defineConfig({
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    // Inlining small assets as data: URIs would be allowed for images only; keep everything as files.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    // `npm run dev` proxies the API to a local `watchtower serve` (its default address).
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/readyz': 'http://127.0.0.1:8080',
    },
  },
});
