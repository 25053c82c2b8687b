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

let loading = null;

/** The OpenAPI document of this server (memoised: one fetch per page load). */
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

/** Follows `$ref`s and takes the non-null branch of `oneOf`/`anyOf`. */
function deref(doc, schema, depth = 0) {
  if (!schema || typeof schema !== "object" || depth > 16) return schema;
  if (typeof schema.$ref === "string") {
    const target = schema.$ref.replace(/^#\//, "").split("/").reduce((node, key) => (node ? node[key] : undefined), doc);
    return deref(doc, target, depth + 1);
  }
  for (const key of ["oneOf", "anyOf", "allOf"]) {
    if (Array.isArray(schema[key])) {
      const branch = schema[key].find((s) => s && s.type !== "null" && !(s.enum && s.enum.length === 1 && s.enum[0] === null));
      if (branch) return { ...schema, ...deref(doc, branch, depth + 1), [key]: undefined };
    }
  }
  return schema;
}

/** Every object in `node`, depth first. */
function* walk(node, seen = new Set()) {
  if (!node || typeof node !== "object" || seen.has(node)) return;
  seen.add(node);
  yield node;
  for (const value of Object.values(node)) yield* walk(value, seen);
}

/** The values of an enumeration: by component name, by operation parameter, then by search. */
function findEnum(doc, { names, parameter, marker, what }) {
  const schemas = (doc.components && doc.components.schemas) || {};
  for (const name of names) {
    const schema = deref(doc, schemas[name]);
    if (schema && Array.isArray(schema.enum)) return schema.enum.filter((v) => typeof v === "string");
  }
  if (parameter) {
    const operation = doc.paths && doc.paths[parameter.path] && doc.paths[parameter.path].get;
    for (const p of (operation && operation.parameters) || []) {
      const param = deref(doc, p);
      const schema = param && param.name === parameter.name ? deref(doc, param.schema) : null;
      if (schema && Array.isArray(schema.enum)) return schema.enum.filter((v) => typeof v === "string");
    }
  }
  for (const node of walk(doc)) {
    if (Array.isArray(node.enum) && marker.every((m) => node.enum.includes(m))) return node.enum.filter((v) => typeof v === "string");
  }
  throw new Error(`The API description has no ${what}.`);
}

/** `maxLength` of a string property, from the first of `names` that has it, else any schema with the property. */
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
 * output mode allow-list), `catalogSorts`, `reviewSorts`, and `maxLength`
 * (property name → limit) for the definition fields and the password.
 */
export async function apiSchema() {
  const doc = await openapi();
  const definitionLimit = (property) => findMaxLength(doc, DEFINITION, property);
  return {
    mimeTypes: findEnum(doc, { names: ["MimeType", "Mode"], marker: ["text/plain", "application/json"], what: "list of MIME types" }),
    catalogSorts: findEnum(doc, { names: ["CatalogSort"], parameter: { path: "/v1/agents", name: "sort" },
      marker: ["popular", "trending"], what: "catalogue sorts" }),
    reviewSorts: findEnum(doc, { names: ["ReviewSort"], parameter: { path: "/v1/agents/{owner}/{slug}/reviews", name: "sort" },
      marker: ["newest", "stars"], what: "review sorts" }),
    maxLength: {
      name: definitionLimit("name"),
      tagline: definitionLimit("tagline"),
      description: definitionLimit("description"),
      system_prompt: definitionLimit("system_prompt"),
      password: findMaxLength(doc, ["RegisterRequest"], "password"),
      new_password: findMaxLength(doc, ["ResetRequest", "ChangeRequest"], "new_password"),
    },
  };
}
