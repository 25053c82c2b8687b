// agentmart console: a safe Markdown subset for descriptions and reviews.
//
// Headings, paragraphs (a line break stays a line break), bulleted and
// numbered lists, block quotes, fenced code, and inline `code`, **strong**,
// *emphasis*, [links](…) to http(s) addresses and bare http(s) URLs. Everything is built
// with createElement and textContent: no string is ever parsed as markup, so
// `<img onerror=…>` in a description is shown as the text it is, and the
// console's CSP (no inline script or style) needs no change. Only http(s)
// links become links (`rel="noopener noreferrer"`); any other target
// (`javascript:`, `data:`) is shown as plain text.

import { h } from "./dom.js";

/** Inline syntax, first match wins: code, strong, emphasis, a link, a bare URL. */
const INLINE = new RegExp([
  /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/.source, // 1, 2: code span
  /\*\*(?=\S)([\s\S]*?\S)\*\*/.source, // 3: strong
  /__(?=\S)([\s\S]*?\S)__/.source, // 4: strong
  /\*(?=[^\s*])([\s\S]*?[^\s*])\*/.source, // 5: emphasis
  /(?<![\w])_(?=[^\s_])([\s\S]*?[^\s_])_(?![\w])/.source, // 6: emphasis
  /\[([^\]\n]+)\]\(([^()\s]+)\)/.source, // 7, 8: link
  /(https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"*_])/.source, // 9: bare URL
].join("|"));

/**
 * Whether `url` may be a link: absolute http(s) only.
 * @param {string} url
 * @returns {string | null}
 */
function safeUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/**
 * A link to an outside page: a new tab, no opener, no Referer.
 * @param {string} href
 * @param {Array<Node|string>} children
 * @returns {HTMLAnchorElement}
 */
function outsideLink(href, children) {
  return /** @type {HTMLAnchorElement} */ (h("a", { href, rel: "noopener noreferrer", target: "_blank" }, children));
}

/**
 * The inline content of `text` as nodes.
 * @param {string} text
 * @param {boolean} [inLink] inside a link's text (no nested links)
 * @returns {Array<Node|string>}
 */
export function inline(text, inLink = false) {
  /** @type {Array<Node|string>} */
  const out = [];
  let rest = text;
  for (;;) {
    const m = INLINE.exec(rest);
    if (!m) break;
    if (m.index > 0) out.push(rest.slice(0, m.index));
    if (m[2] !== undefined) out.push(h("code", {}, m[2]));
    else if (m[3] !== undefined || m[4] !== undefined) out.push(h("strong", {}, inline(m[3] ?? m[4] ?? "", inLink)));
    else if (m[5] !== undefined || m[6] !== undefined) out.push(h("em", {}, inline(m[5] ?? m[6] ?? "", inLink)));
    else if (m[7] !== undefined) {
      const href = inLink ? null : safeUrl(m[8] ?? "");
      out.push(href ? outsideLink(href, inline(m[7], true)) : m[0]);
    } else if (m[9] !== undefined) {
      const href = inLink ? null : safeUrl(m[9]);
      out.push(href ? outsideLink(href, [m[9]]) : m[9]);
    }
    rest = rest.slice(m.index + m[0].length);
  }
  if (rest) out.push(rest);
  return out;
}

/**
 * Lines joined with line breaks, each line's inline syntax rendered.
 * @param {string[]} lines
 * @returns {Array<Node|string>}
 */
function inlineLines(lines) {
  return lines.flatMap((line, i) => (i ? [h("br"), ...inline(line)] : inline(line)));
}

/**
 * Renders `text` as a Markdown subset into a `<div class="markdown">`.
 * Headings start at level `base` (a page's sections are `h2`, so a
 * description's `#` is an `h3`) and never skip a level.
 * @param {string} text
 * @param {number} [base]
 * @returns {HTMLElement}
 */
export function markdown(text, base = 3) {
  const root = h("div", { class: "markdown" });
  const lines = String(text ?? "").replace(/\r\n?/g, "\n").split("\n");
  /** @type {string[]} */
  let paragraph = [];
  let list = /** @type {HTMLElement | null} */ (null);
  /** @type {string[]} */
  let quote = [];
  let topLevel = 0; // the Markdown level of the first heading
  let previous = base - 1; // the HTML level of the last heading
  const flush = () => {
    if (paragraph.length) root.append(h("p", {}, inlineLines(paragraph)));
    if (quote.length) root.append(h("blockquote", {}, h("p", {}, inlineLines(quote))));
    paragraph = [];
    quote = [];
    list = null;
  };
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      flush();
      const code = [];
      for (i += 1; i < lines.length && !lines[i].trim().startsWith(fence[1]); i += 1) code.push(lines[i]);
      root.append(h("pre", { tabindex: "0", role: "region", "aria-label": "Code" }, h("code", {}, code.join("\n"))));
      continue;
    }
    const heading = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      flush();
      const mdLevel = heading[1].length;
      if (!topLevel) topLevel = mdLevel;
      const level = Math.min(6, previous + 1, base + Math.max(0, mdLevel - topLevel));
      previous = level;
      const tag = /** @type {"h3"} */ (`h${level}`);
      root.append(h(tag, {}, inline(heading[2])));
      continue;
    }
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d{1,9}[.)]\s+(.*)$/.exec(line);
    if (bullet || numbered) {
      const tag = bullet ? "ul" : "ol";
      /** @type {HTMLElement | null} */
      let current = list;
      if (paragraph.length || quote.length || !current || current.tagName.toLowerCase() !== tag) {
        flush();
        current = h(tag);
        list = current;
        root.append(current);
      }
      current.append(h("li", {}, inline((bullet || numbered || [])[1] ?? "")));
      continue;
    }
    const quoted = /^\s*>\s?(.*)$/.exec(line);
    if (quoted) {
      if (paragraph.length || list) flush();
      quote.push(quoted[1]);
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    if (list || quote.length) flush();
    paragraph.push(line);
  }
  flush();
  return root;
}
