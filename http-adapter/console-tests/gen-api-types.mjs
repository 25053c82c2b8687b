// Turns the component schemas of agentmart's OpenAPI document into the
// TypeScript declarations the console's JSDoc types use
// (`http-adapter/console/types/api.d.ts`: a global namespace `Api`, so the
// native ES modules need no import for types and no build step).
//
//   node gen-api-types.mjs URL-or-FILE [--write]
//
// Without --write it prints the declarations. The browser tests compare the
// committed file with what this makes from the served `/openapi.json`
// ("14.9 the console's API types are generated from the OpenAPI document").

import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The committed declarations. */
export const API_TYPES_FILE = path.resolve(HERE, "..", "console", "types", "api.d.ts");

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A component name as a TypeScript identifier. */
function typeName(name) {
  return name.replace(/[^A-Za-z0-9_$]/g, "_");
}

/**
 * A one-line JSDoc comment of `text`'s first line at `indent` (the schema's
 * own description; properties get none, which keeps the file short: the
 * OpenAPI document and API.md describe each field).
 */
function doc(text, indent) {
  if (!text) return "";
  const first = String(text).split("\n")[0].replace(/\*\//g, "*\\/").trim();
  return first ? `${indent}/** ${first} */\n` : "";
}

/** The TypeScript type of a JSON schema. */
function tsType(schema, indent) {
  if (schema === true || schema === undefined || schema === null) return "unknown";
  if (schema === false) return "never";
  if (typeof schema.$ref === "string") return `Api.${typeName(schema.$ref.split("/").pop())}`;
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ") || "never";
  if ("const" in schema) return JSON.stringify(schema.const);
  for (const key of ["oneOf", "anyOf"]) {
    if (Array.isArray(schema[key])) return union(schema[key].map((s) => tsType(s, indent)));
  }
  if (Array.isArray(schema.allOf)) return schema.allOf.map((s) => tsType(s, indent)).join(" & ") || "unknown";
  if (Array.isArray(schema.type)) return union(schema.type.map((t) => tsType({ ...schema, type: t }, indent)));
  switch (schema.type) {
    case "string": return "string";
    case "integer": case "number": return "number";
    case "boolean": return "boolean";
    case "null": return "null";
    case "array": return `Array<${tsType(schema.items, indent)}>`;
    case "object": case undefined: return objectType(schema, indent);
    default: return "unknown";
  }
}

function union(types) {
  const unique = [...new Set(types)];
  return unique.length ? unique.join(" | ") : "never";
}

function objectType(schema, indent) {
  const props = schema.properties || {};
  const required = new Set(schema.required || []);
  const inner = `${indent}  `;
  const members = Object.keys(props).sort().map((key) => {
    const name = IDENT.test(key) ? key : JSON.stringify(key);
    return `${inner}${name}${required.has(key) ? "" : "?"}: ${tsType(props[key], inner)};\n`;
  });
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    members.push(`${inner}[key: string]: ${tsType(schema.additionalProperties, inner)};\n`);
  } else if (!Object.keys(props).length) {
    return schema.type === "object" ? "Record<string, unknown>" : "unknown";
  }
  return `{\n${members.join("")}${indent}}`;
}

/** The declarations of every component schema of `openapi`, sorted by name. */
export function apiTypes(openapi) {
  const schemas = (openapi.components && openapi.components.schemas) || {};
  const out = [
    "// Generated from agentmart's /openapi.json by http-adapter/console-tests/gen-api-types.mjs: do not edit.",
    `// OpenAPI ${openapi.openapi || "?"}, ${openapi.info ? `${openapi.info.title} ${openapi.info.version}` : ""}`.trimEnd(),
    "",
    "declare namespace Api {",
  ];
  for (const name of Object.keys(schemas).sort()) {
    const schema = schemas[name];
    out.push(`${doc(schema.description, "  ")}  type ${typeName(name)} = ${tsType(schema, "  ")};`.replace(/^\n/, ""));
  }
  out.push("}", "");
  return out.join("\n");
}

async function main() {
  const [source, flag] = process.argv.slice(2);
  if (!source) {
    console.error("usage: node gen-api-types.mjs URL-or-FILE [--write]");
    process.exit(2);
  }
  const text = /^https?:/.test(source) ? await (await fetch(source)).text() : await readFile(source, "utf8");
  const types = apiTypes(JSON.parse(text));
  if (flag === "--write") {
    await writeFile(API_TYPES_FILE, types);
    console.log(`wrote ${API_TYPES_FILE}`);
  } else {
    process.stdout.write(types);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
