// Prints reveal.js decks to PDF with one Chromium: a deck PDF (one page per slide) and a handout (each slide
// followed by a page of its speaker notes). Plain `chromium --print-to-pdf` gives a blank page because reveal.js
// lays out its print pages after animation frames; here we wait for them, the fonts and MathJax.
// stdin: [{"html": path, "pdf": path, "handout": path}, ...]; stdout: [{"html": ..., "slides": n}, ...]
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer";

// bookext/browser.py finds the browser and passes it in; nothing here guesses a path.
function chromiumPath() {
  if (!process.env.BOOK_CHROMIUM) throw new Error("BOOK_CHROMIUM is not set (run me through bookext, which finds Chromium)");
  return process.env.BOOK_CHROMIUM;
}

const jobs = JSON.parse(readFileSync(0, "utf-8"));
const browser = await puppeteer.launch({
  executablePath: chromiumPath(),
  headless: "shell",
  args: ["--no-sandbox", "--disable-setuid-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--no-first-run",
         "--allow-file-access-from-files"],
});

async function print(url, output) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(url, { waitUntil: "load" });
  await page.waitForSelector(".reveal .pdf-page", { timeout: 30000 });
  await page.evaluate(async () => {
    await document.fonts.ready;
    if (window.MathJax && window.MathJax.startup) await window.MathJax.startup.promise;
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  });
  // A link to a chapter is relative in the deck's HTML; printed, Chromium would make it a file:// link into the
  // build machine's staging folder, dead on a reader's machine. The PDF keeps the text and drops such links.
  await page.$$eval("a[href]", (links) => {
    for (const link of links) {
      if (link.href.startsWith("file:")) link.removeAttribute("href");
    }
  });
  const pages = await page.$$eval(".reveal .pdf-page", (nodes) => nodes.length);
  await page.pdf({ path: output, preferCSSPageSize: true, printBackground: true });
  await page.close();
  if (errors.length) throw new Error(`${url}: ${errors.join("; ")}`);
  return pages;
}

const results = [];
try {
  for (const job of jobs) {
    const base = pathToFileURL(job.html).href;
    const slides = await print(`${base}?print-pdf`, job.pdf);
    const handoutPages = await print(`${base}?print-pdf&showNotes=separate-page`, job.handout);
    results.push({ html: job.html, slides, handoutPages });
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results) + "\n");
