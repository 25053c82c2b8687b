// agentmart console: the account page (profile, password, email, sessions, audit trail, deletion).

import { api, clearSession, loadMe, session } from "./api.js";
import { badge, button, clear, field, h, input, tableBox, textarea, when } from "./dom.js";
import { logout, logoutEverywhere } from "./auth.js";
import { passwordHint, passwordLimits } from "./schema.js";
import { go, needLogin, page, refreshNav } from "./router.js";
import { attempt, notify, onSubmit } from "./status.js";

export async function viewAccount() {
  if (needLogin()) return;
  const { main, live } = page("Account");
  const [me, limits] = await Promise.all([loadMe(), passwordLimits()]);
  if (!live()) return;
  refreshNav();

  const profile = h("form", { class: "panel", novalidate: true },
    h("h2", {}, "Profile"),
    h("p", { class: "muted small" }, `${me.email || "no email"} · `,
      me.email_verified ? "verified" : "not verified", ` · role ${me.role} · member since ${when(me.created_at)}`),
    field("Handle", input("text", { value: me.handle, required: true }), { name: "handle" }),
    field("Display name", input("text", { value: me.display_name || "" }), { name: "display_name" }),
    field("Bio", textarea({ value: me.bio || "" }), { name: "bio" }),
    field("Avatar URL", input("url", { value: me.avatar_url || "" }), { name: "avatar_url" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Save profile"),
      me.email_verified ? null : button("Resend verification email", () => attempt(async () => {
        await api("POST", "auth/email/verify/resend");
        notify("Verification email sent.");
      }), "secondary")));
  onSubmit(profile, async (data) => {
    const orNull = (/** @type {string} */ k) => (data.get(k) ? data.get(k) : null);
    session.me = await api("PATCH", "me", {
      body: { handle: data.get("handle"), display_name: orNull("display_name"), bio: orNull("bio"), avatar_url: orNull("avatar_url") },
    });
    refreshNav();
    notify("Profile saved.");
    await loadAudit();
  });

  const password = h("form", { class: "panel", novalidate: true },
    h("h2", {}, "Change password"),
    h("p", { class: "muted small" }, "Your other sessions are ended; this one stays."),
    field("Current password", input("password", { autocomplete: "current-password" }), { name: "current_password" }),
    field("New password", input("password", { autocomplete: "new-password" }),
      { name: "new_password", hint: passwordHint(limits), max: limits.max || undefined }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Change password")));
  onSubmit(password, async (data) => {
    await api("POST", "auth/password/change", {
      body: { current_password: data.get("current_password"), new_password: data.get("new_password") },
    });
    password.reset();
    notify("Password changed; other sessions ended.");
    await Promise.all([renderSessions(), loadAudit()]);
  });

  const email = h("form", { class: "panel", novalidate: true },
    h("h2", {}, "Change email"),
    h("p", { class: "muted small" }, "A link goes to the new address; the email changes when you open it. The old address is told."),
    field("New email", input("email", { autocomplete: "email", required: true }), { name: "new_email" }),
    field("Your password", input("password", { autocomplete: "current-password", required: true }), { name: "password" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Send confirmation link")));
  onSubmit(email, async (data) => {
    const newEmail = String(data.get("new_email") || "");
    await api("POST", "auth/email/change", { body: { new_email: newEmail, password: data.get("password") } });
    email.reset();
    notify(`A confirmation link was sent to ${newEmail}. Your email changes when you open it.`);
    await loadAudit();
  });

  const sessionsBox = h("section", { class: "panel" });
  async function renderSessions() {
    /** @type {Api.SessionInfoPage} */
    const list = await api("GET", "auth/sessions");
    clear(sessionsBox).append(h("h2", {}, "Sessions"));
    const rows = list.items.map((s) => h("tr", {},
      h("td", { "data-label": "Started" }, when(s.created_at), s.current ? [" ", badge("current")] : null),
      h("td", { "data-label": "Last used" }, when(s.last_used_at)),
      h("td", { class: "small", "data-label": "Browser" }, s.user_agent || "—"),
      h("td", { "data-label": "IP" }, s.ip || "—"),
      h("td", { "data-label": "Actions" }, button(s.current ? "Log out" : "Revoke", () => attempt(async () => {
        if (s.current) return logout();
        await api("DELETE", `auth/sessions/${encodeURIComponent(s.id)}`);
        notify("Session revoked.");
        await renderSessions();
      }), "secondary"))));
    sessionsBox.append(
      tableBox("Sessions", h("table", { class: "stack" },
        h("thead", {}, h("tr", {}, ["Started", "Last used", "Browser", "IP", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows))),
      h("div", { class: "actions" }, button("Log out everywhere", () => attempt(logoutEverywhere), "danger")));
  }

  const auditBox = h("section", { class: "panel" }, h("h2", {}, "My audit trail"));
  const auditBody = h("tbody");
  const auditMore = h("div", { class: "actions" });
  auditBox.append(tableBox("My audit trail", h("table", {},
    h("thead", {}, h("tr", {}, ["When", "Action", "Target", "IP"].map((t) => h("th", { scope: "col" }, t)))), auditBody)), auditMore);
  /** @param {string | null} [cursor] */
  async function loadAudit(cursor) {
    /** @type {Api.AuditRecordPage} */
    const pageData = await api("GET", "me/audit", { query: { limit: 20, cursor } });
    if (!cursor) clear(auditBody);
    for (const r of pageData.items) {
      auditBody.append(h("tr", {}, h("td", {}, when(r.at)), h("td", {}, h("code", {}, r.action)), h("td", { class: "small" }, r.target || "—"), h("td", {}, r.ip || "—")));
    }
    clear(auditMore);
    if (pageData.next_cursor) auditMore.append(button("Load more", () => attempt(() => loadAudit(pageData.next_cursor)), "secondary"));
  }

  const danger = h("form", { class: "panel", novalidate: true },
    h("h2", {}, "Delete account"),
    h("p", { class: "muted small" }, "This cannot be undone."),
    field("Password", input("password", { autocomplete: "current-password" }), { name: "password" }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "danger" }, "Delete my account")));
  onSubmit(danger, async (data) => {
    if (!window.confirm("Delete your account for good?")) return;
    await api("DELETE", "me", { body: { password: data.get("password") } });
    clearSession();
    notify("Account deleted.");
    go("#/");
  });

  main.append(h("div", { class: "cols" }, h("div", {}, profile, sessionsBox, auditBox), h("div", {}, password, email, danger)));
  await Promise.all([renderSessions(), loadAudit()]);
}

