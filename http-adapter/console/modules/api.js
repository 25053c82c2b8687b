// agentmart console: the JSON API client (fetch, tokens, refresh).
//
// Every API URL is relative to the router's root: this module is served at
// `<root>/modules/api.js`, so the root is `../` of its own URL wherever a host
// nested the router (`/`, `/market/`, ...).

/** The root of the agentmart router (where `v1/`, `openapi.json` live). */
export const ROOT = new URL("../", import.meta.url);
const REFRESH_KEY = "agentmart.refresh_token";

/** Listeners told when the session ends on its own (refresh refused, token revoked). */
/** @type {Array<() => void>} */
const sessionListeners = [];

/**
 * Calls `fn` whenever the session ends without a view asking (e.g. to redraw the nav).
 * @param {() => void} fn
 */
export function onSessionEnded(fn) {
  sessionListeners.push(fn);
}

function sessionEnded() {
  clearSession();
  for (const fn of sessionListeners) fn();
}

// The access token (a short-lived JWT) lives only in this module's memory: it
// is gone on reload and never touches storage, URLs or logs. The refresh
// token is kept in sessionStorage so a reload of this tab stays logged in;
// sessionStorage is per tab and cleared when the tab closes, which limits how
// long a stolen copy is useful. The trade-off: any script running on this
// origin can read sessionStorage, so an XSS would expose the refresh token.
// An HttpOnly cookie would hide it from script, but the API is bearer-only by
// contract (and cookie auth would need CSRF defences); the console instead
// relies on its strict CSP and on never turning data into markup. Refresh
// tokens rotate on every use and a replayed one revokes its whole session
// (API.md), so a leaked token that is used also logs the real user out —
// visible, and bounded. A duplicated tab copies sessionStorage; whichever tab
// refreshes second presents a rotated token and both are logged out.

/** @type {{ access: string | null, refresh: string | null, me: Api.Profile | null }} */
export const session = {
  access: null,
  refresh: readRefresh(),
  me: null,
};

function readRefresh() {
  try {
    return sessionStorage.getItem(REFRESH_KEY);
  } catch {
    return null;
  }
}

/** @param {Api.TokenPair} tokens */
export function storeTokens(tokens) {
  session.access = tokens.access_token;
  session.refresh = tokens.refresh_token;
  try {
    sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
  } catch {
    // Storage unavailable (private mode quotas): the session lasts until reload.
  }
}

export function clearSession() {
  session.access = null;
  session.refresh = null;
  session.me = null;
  try {
    sessionStorage.removeItem(REFRESH_KEY);
  } catch {
    // Nothing stored.
  }
}

/** An error answer of the API (a problem document) or of the network. */
export class ApiError extends Error {
  /**
   * @param {number} status the HTTP status (0: no answer)
   * @param {ProblemDoc} problem
   */
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.code = problem.code || "unknown";
  }
}

/** @type {Promise<boolean> | null} */
let refreshing = null;

/**
 * Rotates the refresh token once, however many requests are waiting for it.
 * @returns {Promise<boolean>}
 */
export function refreshTokens() {
  if (!refreshing) {
    refreshing = (async () => {
      if (!session.refresh) return false;
      const answer = await send("POST", "auth/refresh", { body: { refresh_token: session.refresh }, token: null });
      if (!answer.ok) {
        sessionEnded();
        return false;
      }
      storeTokens(await answer.json());
      return true;
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/**
 * @param {string} path
 * @param {Record<string, unknown>} [query]
 */
function apiUrl(path, query) {
  const url = new URL(`v1/${path}`, ROOT);
  if (query) {
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
    }
  }
  return url;
}

/**
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, query?: Record<string, unknown>, token?: string | null }} [options]
 * @returns {Promise<Response>}
 */
async function send(method, path, { body, query, token } = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    return await fetch(apiUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, { title: "Network error", detail: "The server could not be reached.", code: "network" });
  }
}

/**
 * Calls the API. `auth`: "none" sends no token, "optional" sends one when
 * logged in, "required" (the default) needs a session. A 401 `token_expired`
 * or `unauthenticated` answer to a request that carried a token is retried
 * once after rotating the refresh token. Returns the parsed JSON (null for
 * an empty answer); throws ApiError for any error answer. The answer's type
 * is the caller's to state (`@type {Api.…}` from types/api.d.ts).
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, query?: Record<string, unknown>, auth?: "none" | "optional" | "required" }} [options]
 * @returns {Promise<any>}
 */
export async function api(method, path, { body, query, auth = "required" } = {}) {
  if (auth !== "none" && !session.access && session.refresh) await refreshTokens();
  if (auth === "required" && !session.access) {
    throw new ApiError(401, { title: "Not logged in", detail: "Log in to do this.", code: "unauthenticated" });
  }
  const token = auth === "none" ? null : session.access;
  let answer = await send(method, path, { body, query, token });
  if (answer.status === 401 && token) {
    const problem = await readJson(answer);
    if ((problem.code === "token_expired" || problem.code === "unauthenticated") && (await refreshTokens())) {
      answer = await send(method, path, { body, query, token: session.access });
    } else {
      if (problem.code === "token_invalid" || problem.code === "token_reused") {
        sessionEnded();
      }
      throw new ApiError(401, problem);
    }
  }
  const data = await readJson(answer);
  if (!answer.ok) throw new ApiError(answer.status, data || {});
  return data;
}

/**
 * @param {Response} answer
 * @returns {Promise<any>}
 */
async function readJson(answer) {
  if (answer.status === 204) return null;
  const text = await answer.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { title: `HTTP ${answer.status}`, detail: "The answer was not JSON.", code: "unknown" };
  }
}

/** @returns {Promise<Api.Profile>} */
export async function loadMe() {
  /** @type {Api.Profile} */
  const me = await api("GET", "me");
  session.me = me;
  return me;
}
