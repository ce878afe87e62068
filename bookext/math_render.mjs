// Typesets TeX with MathJax (the same engine the HTML book runs in the browser) for bookext.math.
// stdin lines: {"formulas": [{"tex": "...", "display": bool}, ...]}
// stdout lines: {"results": [{"svg": "<svg ...>"} | {"error": "MathJax's message"}, ...]}
import { createRequire } from "node:module";
import readline from "node:readline";

const require = createRequire(import.meta.url);
const MathJax = await require("mathjax").init({
  loader: { load: ["input/tex-full", "output/svg"] },
  // Unknown macros are errors, not red text: a typo must stop the build, not reach a reader.
  tex: { packages: { "[-]": ["noundefined", "noerrors"] } },
  svg: { fontCache: "none" },  // each SVG stands alone (the ePub shows them as separate images)
});
const adaptor = MathJax.startup.adaptor;

function typeset(tex, display) {
  try {
    const node = MathJax.tex2svg(tex, { display });
    const svg = adaptor.firstChild(node);
    const error = adaptor.tags(svg, "g").find((g) => adaptor.getAttribute(g, "data-mml-node") === "merror");
    if (error) return { error: adaptor.getAttribute(error, "data-mjx-error") || adaptor.textContent(error) };
    return { svg: adaptor.outerHTML(svg) };
  } catch (exception) {
    return { error: String(exception && exception.message ? exception.message : exception) };
  }
}

const input = readline.createInterface({ input: process.stdin });
for await (const line of input) {
  if (!line.trim()) continue;
  const { formulas } = JSON.parse(line);
  process.stdout.write(JSON.stringify({ results: formulas.map((f) => typeset(f.tex, f.display)) }) + "\n");
}
