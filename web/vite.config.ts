import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The console is served by Keyward itself at `/`; `npx vite web` runs it against a local Keyward on 8080.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      "/api": { target: "http://127.0.0.1:8080", changeOrigin: false },
    },
  },
});
