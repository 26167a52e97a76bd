import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// Static build the Tauri shell embeds: relative asset paths, no dev-only inline scripts,
// so the app runs under a CSP of 'self' only.
export default defineConfig({
  plugins: [svelte()],
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "es2021", assetsInlineLimit: 0 },
  clearScreen: false,
});
