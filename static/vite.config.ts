/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Built into static/dist/ and served by Flask under /static/dist/ (builder/pages.py reads
// the manifest to find the entry's files). During `npm run dev`, API calls go to Flask.
export default defineConfig({
  base: "/static/dist/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: true,
    rollupOptions: { input: "src/main.tsx" },
    chunkSizeWarningLimit: 800,
  },
  server: { proxy: { "/api": "http://127.0.0.1:5000" } },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
