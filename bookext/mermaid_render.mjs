// Renders mermaid diagrams for bookext.mermaid: one Chromium for the whole build, jobs over stdin/stdout.
// Each input line is {"definition": "...", "outputs": {"svg": path, "pdf": path, "png": path}};
// each output line is {"ok": true} or {"ok": false, "error": "<mermaid's own message>"}.
import { writeFile } from "node:fs/promises";
import readline from "node:readline";
import { renderMermaid } from "@mermaid-js/mermaid-cli";
import puppeteer from "puppeteer";

// bookext/browser.py finds the browser and passes it in; nothing here guesses a path.
function chromiumPath() {
  if (!process.env.BOOK_CHROMIUM) throw new Error("BOOK_CHROMIUM is not set (run me through bookext, which finds Chromium)");
  return process.env.BOOK_CHROMIUM;
}

const browser = await puppeteer.launch({
  executablePath: chromiumPath(),
  headless: "shell",
  // --no-sandbox: Chromium refuses to start as root without it (CI runs as root).
  args: ["--no-sandbox", "--disable-setuid-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});

const options = {
  backgroundColor: "white",
  pdfFit: true,
  // 300/96: the PNG (used by the ePub) is 300 DPI at the diagram's CSS size, over 3x for screens.
  viewport: { width: 1000, height: 800, deviceScaleFactor: 300 / 96 },
};

const input = readline.createInterface({ input: process.stdin });
for await (const line of input) {
  if (!line.trim()) continue;
  const job = JSON.parse(line);
  let reply;
  try {
    for (const format of ["svg", "pdf", "png"]) {
      const { data } = await renderMermaid(browser, job.definition, format, options);
      await writeFile(job.outputs[format], data);
    }
    reply = { ok: true };
  } catch (error) {
    reply = { ok: false, error: String(error && error.message ? error.message : error) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}
await browser.close();
