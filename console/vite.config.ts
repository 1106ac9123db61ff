/**
 * Builds the console (console/ → dist/console) for the hub to serve under /console/: one hashed
 * script and stylesheet, nothing inline (the pages' CSP allows only 'self'), nothing fetched
 * from a CDN. Preact's JSX through the bundler's own TypeScript transform (tsconfig.json).
 */
import { defineConfig } from 'vite'
import { fileURLToPath } from 'node:url'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    target: 'es2022',
  },
  logLevel: 'warn',
})
