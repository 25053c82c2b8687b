// agentmart console: the token of an emailed link, read once and dropped from the address bar.
//
// The core emails `{public_base_url}/reset-password?token=…`,
// `{public_base_url}/verify-email?token=…` and
// `{public_base_url}/confirm-email-change?token=…`; the server answers them with this
// page. The token is read once, here, before anything else runs, and dropped
// from the address bar (history.replaceState) so it does not stay in the
// history, in bookmarks or in a reload; the page sends no Referer (meta tag
// and header), so it does not leak before that either. From then on it lives
// only in this module's memory, and the path shows the matching view.

const LINK_VIEWS = {
  "reset-password": "#/reset-password",
  "verify-email": "#/verify-email",
  "confirm-email-change": "#/confirm-email-change",
};

/** `{kind, token}` of the link this page was opened with, until it is used. */
let linkToken = takeLinkToken();

/** The token of the link this page was opened with, when it is of `kind` (not consumed). */
/**
 * @param {string} kind
 * @returns {string | null}
 */
export function linkTokenFor(kind) {
  return linkToken && linkToken.kind === kind ? linkToken.token : null;
}

/** Forgets the link's token: it is used (or refused) once. */
export function dropLinkToken() {
  linkToken = null;
}

function takeLinkToken() {
  const kind = location.pathname.split("/").pop() || "";
  const view = /** @type {Record<string, string>} */ (LINK_VIEWS)[kind];
  if (!view) return null;
  const token = new URLSearchParams(location.search).get("token");
  if (location.search || !location.hash) {
    try {
      history.replaceState(null, "", `${location.pathname}${view}`);
    } catch {
      // No history API: the token stays visible, but is still used once.
    }
  }
  return token ? { kind, token } : null;
}
