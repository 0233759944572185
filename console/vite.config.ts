import { defineConfig } from "vite";

// Served under /console (the local stack's route, and the CloudFront path in AWS).
export default defineConfig({
  root: __dirname,
  base: "/console/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The first page's budget is 300 KB compressed; the editor loads on its own page.
    chunkSizeWarningLimit: 600,
  },
});
