// agentmart console: the enumerations and limits of the API, read from its
// OpenAPI document (`<root>/openapi.json`) instead of a copy kept here.
//
// The document is fetched once per page load. Each value is looked up by the
// component's name first (today's and the names core-derived schemas use),
// then by where the API uses it (an operation's parameter), then by searching
// the whole document for an enumeration holding a value it must contain; so a
// renamed component still resolves. When nothing matches, the lookup throws
// (a view then shows the error): the console never falls back to a guess.

import { ROOT } from "./api.js";

/**
 * A node of the OpenAPI document: JSON of any shape, read defensively.
 * @typedef {any} Json
 */

/** @type {Promise<Json> | null} */
let loading = null;

/**
 * The OpenAPI document of this server (memoised: one fetch per page load).
 * @returns {Promise<Json>}
 */
export function openapi() {
  if (!loading) {
    loading = fetch(new URL("openapi.json", ROOT), { headers: { accept: "application/json" }, credentials: "omit" })
      .then((answer) => {
        if (!answer.ok) throw new Error(`The API description could not be loaded (HTTP ${answer.status}).`);
        return answer.json();
      })
      .catch((err) => {
        loading = null; // a later view tries again
        throw err instanceof Error && err.message.startsWith("The API") ? err
          : new Error("The API description could not be loaded (network error).");
      });
  }
  return loading;
}

/**
 * Follows `$ref`s and takes the non-null branch of `oneOf`/`anyOf`.
 * @param {Json} doc
 * @param {Json} schema
 * @param {number} [depth]
 * @returns {Json}
 */
function deref(doc, schema, depth = 0) {
  if (!schema || typeof schema !== "object" || depth > 16) return schema;
  if (typeof schema.$ref === "string") {
    const target = schema.$ref.replace(/^#\//, "").split("/").reduce((/** @type {Json} */ node, /** @type {string} */ key) => (node ? node[key] : undefined), doc);
    return deref(doc, target, depth + 1);
  }
  for (const key of ["oneOf", "anyOf", "allOf"]) {
    if (Array.isArray(schema[key])) {
      const branch = schema[key].find((/** @type {Json} */ s) => s && s.type !== "null" && !(s.enum && s.enum.length === 1 && s.enum[0] === null));
      if (branch) return { ...schema, ...deref(doc, branch, depth + 1), [key]: undefined };
    }
  }
  return schema;
}

/**
 * Every object in `node`, depth first.
 * @param {Json} node
 * @param {Set<Json>} [seen]
 * @returns {Generator<Json>}
 */
function* walk(node, seen = new Set()) {
  if (!node || typeof node !== "object" || seen.has(node)) return;
  seen.add(node);
  yield node;
  for (const value of Object.values(node)) yield* walk(value, seen);
}

/**
 * The values of an enumeration: by component name, by operation parameter, then by search.
 * @param {Json} doc
 * @param {{ names: string[], parameter?: { path: string, name: string }, marker: string[], what: string }} options
 * @returns {string[]}
 */
function findEnum(doc, { names, parameter, marker, what }) {
  const schemas = (doc.components && doc.components.schemas) || {};
  for (const name of names) {
    const schema = deref(doc, schemas[name]);
    if (schema && Array.isArray(schema.enum)) return schema.enum.filter((/** @type {unknown} */ v) => typeof v === "string");
  }
  if (parameter) {
    const operation = doc.paths && doc.paths[parameter.path] && doc.paths[parameter.path].get;
    for (const p of (operation && operation.parameters) || []) {
      const param = deref(doc, p);
      const schema = param && param.name === parameter.name ? deref(doc, param.schema) : null;
      if (schema && Array.isArray(schema.enum)) return schema.enum.filter((/** @type {unknown} */ v) => typeof v === "string");
    }
  }
  for (const node of walk(doc)) {
    if (Array.isArray(node.enum) && marker.every((m) => node.enum.includes(m))) return node.enum.filter((/** @type {unknown} */ v) => typeof v === "string");
  }
  throw new Error(`The API description has no ${what}.`);
}

/**
 * `minLength` of a string property, found as `findMaxLength` finds its maximum.
 * @param {Json} doc
 * @param {string[]} names
 * @param {string} property
 * @returns {number | null}
 */
function findMinLength(doc, names, property) {
  const schemas = (doc.components && doc.components.schemas) || {};
  for (const name of [...names, ...Object.keys(schemas).filter((n) => !names.includes(n))]) {
    const schema = deref(doc, schemas[name]);
    const prop = schema && schema.properties ? deref(doc, schema.properties[property]) : null;
    if (prop && Number.isInteger(prop.minLength) && Number.isInteger(prop.maxLength)) return prop.minLength;
  }
  return null;
}

/**
 * `maxLength` of a string property, from the first of `names` that has it, else any schema with the property.
 * @param {Json} doc
 * @param {string[]} names
 * @param {string} property
 * @returns {number | null}
 */
function findMaxLength(doc, names, property) {
  const schemas = (doc.components && doc.components.schemas) || {};
  const ordered = [...names, ...Object.keys(schemas).filter((n) => !names.includes(n))];
  for (const name of ordered) {
    const schema = deref(doc, schemas[name]);
    const prop = schema && schema.properties ? deref(doc, schema.properties[property]) : null;
    if (prop && Number.isInteger(prop.maxLength)) return prop.maxLength;
  }
  return null;
}

const DEFINITION = ["AgentDefinition", "DraftPatch", "AgentDraft", "CreateAgent"];

/**
 * What the console needs from the API description: `mimeTypes` (the input and
 * output mode allow-list), `catalogSorts`, `reviewSorts`, `maxLength`
 * (property name → limit) for the definition fields and the password, and
 * `password` ({min, max}: a new password's length).
 */
export async function apiSchema() {
  const doc = await openapi();
  const definitionLimit = (/** @type {string} */ property) => findMaxLength(doc, DEFINITION, property);
  return {
    mimeTypes: findEnum(doc, { names: ["MimeType", "Mode"], marker: ["text/plain", "application/json"], what: "list of MIME types" }),
    catalogSorts: findEnum(doc, { names: ["CatalogSort"], parameter: { path: "/v1/agents", name: "sort" },
      marker: ["popular", "trending"], what: "catalogue sorts" }),
    reviewSorts: findEnum(doc, { names: ["ReviewSort"], parameter: { path: "/v1/agents/{owner}/{slug}/reviews", name: "sort" },
      marker: ["newest", "stars"], what: "review sorts" }),
    /** @type {Record<string, number | null>} */
    maxLength: {
      name: definitionLimit("name"),
      tagline: definitionLimit("tagline"),
      description: definitionLimit("description"),
      system_prompt: definitionLimit("system_prompt"),
      password: findMaxLength(doc, ["RegisterRequest"], "password"),
      new_password: findMaxLength(doc, ["ResetRequest", "ChangeRequest"], "new_password"),
    },
    /** The length a new password must have (the password policy the server enforces). */
    password: {
      min: findMinLength(doc, ["RegisterRequest"], "password"),
      max: findMaxLength(doc, ["RegisterRequest"], "password"),
    },
  };
}

/** The length limits of a new password, or empty limits when the API description cannot be read. */
export async function passwordLimits() {
  try {
    return (await apiSchema()).password;
  } catch {
    return { min: null, max: null };
  }
}

/**
 * A new-password field's hint from the server's limits.
 * @param {{ min: number | null, max: number | null }} limits
 */
export function passwordHint({ min, max }) {
  const length = min && max ? `${min} to ${max} characters` : min ? `at least ${min} characters` : "";
  return length ? `${length[0].toUpperCase()}${length.slice(1)}; common passwords are refused.` : "Common passwords are refused.";
}
