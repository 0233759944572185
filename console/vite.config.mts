import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// Served under /console (the local stack's route, and the CloudFront path in AWS).
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/console/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The first page's budget is 300 KB compressed; the editor (about 300 KB) loads on its own page.
    chunkSizeWarningLimit: 1000,
  },
});
