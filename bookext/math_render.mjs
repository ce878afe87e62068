// Typesets TeX with MathJax (the same engine the HTML book runs in the browser) for bookext.math.
// stdin lines: {"formulas": [{"tex": "...", "display": bool}, ...], "speech": bool}
// stdout lines: {"results": [{"svg": "<svg ...>", "speech": "..."} | {"error": "MathJax's message"}, ...]}
// With "speech", each formula also gets the words a screen reader should say for it (the ePub's alt text), from
// MathJax's MathML through the speech rule engine (the same engine MathJax's own accessibility extension runs),
// with its English ClearSpeak rules read from node_modules: no network.
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
let SRE = null;  // loaded on the first request that asks for speech (only the ePub build does)

async function speechEngine() {
  if (!SRE) {
    SRE = require("speech-rule-engine");
    await SRE.setupEngine({ locale: "en", domain: "clearspeak", modality: "speech", markup: "none" });
    await SRE.engineReady();
  }
  return SRE;
}

function speak(tex, display) {
  const mml = MathJax.tex2mml(tex, { display });
  return SRE.toSpeech(mml).replace(/\s+/g, " ").trim();
}

function typeset(tex, display, withSpeech) {
  try {
    const node = MathJax.tex2svg(tex, { display });
    const svg = adaptor.firstChild(node);
    const error = adaptor.tags(svg, "g").find((g) => adaptor.getAttribute(g, "data-mml-node") === "merror");
    if (error) return { error: adaptor.getAttribute(error, "data-mjx-error") || adaptor.textContent(error) };
    const result = { svg: adaptor.outerHTML(svg) };
    if (withSpeech) result.speech = speak(tex, display);
    return result;
  } catch (exception) {
    return { error: String(exception && exception.message ? exception.message : exception) };
  }
}

const input = readline.createInterface({ input: process.stdin });
for await (const line of input) {
  if (!line.trim()) continue;
  const { formulas, speech } = JSON.parse(line);
  if (speech) await speechEngine();
  process.stdout.write(JSON.stringify({ results: formulas.map((f) => typeset(f.tex, f.display, speech)) }) + "\n");
}
