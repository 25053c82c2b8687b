// agentmart console: the account views that need no session (log in, register,
// forgotten password, the emailed links) and logging out.

import { ApiError, api, clearSession, loadMe, session, storeTokens } from "./api.js";
import { button, clear, control, field, h, input, link } from "./dom.js";
import { dropLinkToken, linkTokenFor } from "./links.js";
import { passwordHint, passwordLimits } from "./schema.js";
import { afterLogin, go, hashQuery, loginLink, page, route, withQuery } from "./router.js";
import { attempt, hideStatus, notify, onSubmit, showError } from "./status.js";

export function viewLogin() {
  const { main } = page("Log in");
  const form = h("form", { class: "panel auth-box", novalidate: true },
    field("Email", input("email", { autocomplete: "username", required: true }), { name: "email" }),
    field("Password", input("password", { autocomplete: "current-password", required: true }), { name: "password" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Log in"),
      link("Create an account", withQuery("#/register", { next: hashQuery().get("next") }))),
    h("p", { class: "small" }, h("a", { href: "#/forgot-password", on: { click: () => { typedEmail = control(form, "email").value; } } },
      "Forgot password?")));
  if (typedEmail) control(form, "email").value = typedEmail;
  onSubmit(form, async (data) => {
    const tokens = await api("POST", "auth/login", {
      auth: "none",
      body: { email: data.get("email"), password: data.get("password") },
    });
    storeTokens(tokens);
    await loadMe();
    hideStatus();
    // Back to the page that asked the user to log in (the address's `next`).
    go(afterLogin());
  });
  main.append(form);
  (control(form, "email").value ? control(form, "password") : control(form, "email")).focus();
}

/** The email typed into the last login or forgot-password form (carried between them). */
let typedEmail = "";

export function viewForgotPassword() {
  const { main } = page("Forgot your password?");
  const form = h("form", { class: "panel auth-box", novalidate: true },
    h("p", { class: "muted small" }, "Enter the email address of your account: we send a link to choose a new password."),
    field("Email", input("email", { autocomplete: "email", required: true, value: typedEmail }), { name: "email" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Send reset link"), link("Back to log in", "#/login")));
  onSubmit(form, async (data) => {
    const email = String(data.get("email") || "").trim();
    if (!email) {
      throw new ApiError(0, { title: "Email needed", detail: "Enter the email address of your account.", code: "client_validation",
        errors: [{ field: "email", code: "required", message: "enter your email address" }] });
    }
    typedEmail = email;
    // The answer is the same whether or not an account has this email.
    await api("POST", "auth/password/forgot", { auth: "none", body: { email } });
    form.replaceWith(h("section", { class: "panel auth-box", role: "status" },
      h("p", {}, `If an account exists for ${email}, a message with a link to choose a new password was sent to it.`),
      h("p", { class: "muted small" }, "The link works once and expires. Nothing arrived? Check the address and try again."),
      h("div", { class: "actions" }, button("Try again", () => route(), "secondary"), link("Back to log in", "#/login"))));
  });
  main.append(form);
  control(form, "email").focus();
}

/**
 * What a used, expired or unknown link token means, in words.
 * @param {unknown} err
 * @param {string} what
 * @returns {string | null}
 */
function linkProblem(err, what) {
  if (err instanceof ApiError && err.code === "token_expired") return `This ${what} link has expired.`;
  if (err instanceof ApiError && err.code === "token_invalid") {
    return `This ${what} link cannot be used: it was already used, a newer one was sent since, or it was cut short.`;
  }
  return null;
}

export async function viewResetPassword() {
  const { main, live } = page("Choose a new password");
  const token = linkTokenFor("reset-password");
  const another = () => h("p", {}, link("Request a new link", "#/forgot-password"), " or ", link("log in", "#/login"), ".");
  if (!token) {
    main.append(h("section", { class: "panel auth-box" },
      h("p", {}, "This page sets a new password with the link from a password-reset message. ",
        "Open the link from the message again (it works once), or ask for a new one."), another()));
    return;
  }
  const limits = await passwordLimits();
  if (!live()) return;
  const form = h("form", { class: "panel auth-box", novalidate: true },
    h("p", { class: "muted small" }, "Setting a new password ends every session of your account; you then log in with it."),
    field("New password", input("password", { autocomplete: "new-password", required: true }),
      { name: "new_password", hint: passwordHint(limits), max: limits.max || undefined }),
    field("Repeat the new password", input("password", { autocomplete: "new-password", required: true }), { name: "repeat" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Set new password")));
  onSubmit(form, async (data) => {
    const password = String(data.get("new_password") || "");
    if (password !== data.get("repeat")) {
      throw new ApiError(0, { title: "The passwords differ", detail: "Type the same new password twice.", code: "client_validation",
        errors: [{ field: "repeat", code: "mismatch", message: "not the same as the new password" }] });
    }
    try {
      await api("POST", "auth/password/reset", { auth: "none", body: { token, new_password: password } });
    } catch (err) {
      const problem = linkProblem(err, "password-reset");
      if (problem) {
        dropLinkToken();
        form.replaceWith(h("section", { class: "panel auth-box" }, h("p", {}, problem), another()));
      }
      throw err;
    }
    dropLinkToken();
    // Every session ended, this tab's too.
    clearSession();
    notify("Password changed. Every session was ended: log in with your new password.");
    go("#/login");
  });
  main.append(form);
  control(form, "new_password").focus();
}

/** The one verification call for the token this page was opened with (memoised: views re-render). */
/** @type {Promise<{ ok: true } | { ok: false, err: unknown }> | null} */
let verification = null;

function verifyOnce() {
  const token = linkTokenFor("verify-email");
  if (!verification && token) {
    dropLinkToken();
    verification = api("POST", "auth/email/verify", { auth: "none", body: { token } })
      .then(() => ({ ok: true }), (err) => ({ ok: false, err }));
  }
  return verification;
}

export async function viewVerifyEmail() {
  const { main, heading, live } = page("Verify your email");
  const pending = verifyOnce();
  const resend = () => {
    if (!session.me) {
      return h("p", {}, loginLink("Log in", "#/verify-email"), " to get a new verification link.");
    }
    if (session.me.email_verified) return h("p", {}, "Your email address is already verified. ", link("Account", "#/account"));
    return h("div", { class: "actions" }, button("Send a new verification link", () => attempt(async () => {
      await api("POST", "auth/email/verify/resend");
      notify(`A new verification link was sent to ${session.me ? session.me.email : "your address"}.`);
    })));
  };
  if (!pending) {
    main.append(h("section", { class: "panel auth-box" },
      h("p", {}, "This page confirms an email address with the link from a verification message. Open the link from the message again, or get a new one."),
      resend()));
    return;
  }
  const box = h("section", { class: "panel auth-box", "aria-live": "polite" }, h("p", { class: "muted" }, "Checking the link…"));
  main.append(box);
  const outcome = await pending;
  if (!live()) return;
  if (outcome.ok) {
    heading.textContent = "Email verified";
    document.title = "Email verified · agentmart";
    if (session.me) session.me.email_verified = true;
    clear(box).append(h("p", {}, "Thank you: your email address is verified."),
      h("div", { class: "actions" }, session.me ? link("Account", "#/account") : link("Log in", "#/login"), link("Marketplace", "#/")));
    return;
  }
  heading.textContent = "Email not verified";
  document.title = "Email not verified · agentmart";
  const problem = linkProblem(outcome.err, "verification");
  if (!problem) showError(outcome.err);
  clear(box).append(h("p", {}, problem || "The link could not be checked."), resend());
}

/** The one confirmation call for the email-change link this page was opened with (memoised: views re-render). */
/** @type {Promise<{ ok: true } | { ok: false, err: unknown }> | null} */
let emailChange = null;

function confirmEmailChangeOnce() {
  const token = linkTokenFor("confirm-email-change");
  if (!emailChange && token) {
    dropLinkToken();
    emailChange = api("POST", "auth/email/change/confirm", { auth: "none", body: { token } })
      .then(() => ({ ok: true }), (err) => ({ ok: false, err }));
  }
  return emailChange;
}

export async function viewConfirmEmailChange() {
  const { main, heading, live } = page("Confirm your new email");
  const pending = confirmEmailChangeOnce();
  const again = () => h("p", {}, session.me ? link("Account", "#/account") : loginLink("Log in", "#/account"),
    " to ask for the change again.");
  if (!pending) {
    main.append(h("section", { class: "panel auth-box" },
      h("p", {}, "This page confirms a new email address with the link sent to it. Open the link from the message again (it works once), or ask for the change again from your account."),
      again()));
    return;
  }
  const box = h("section", { class: "panel auth-box", "aria-live": "polite" }, h("p", { class: "muted" }, "Checking the link…"));
  main.append(box);
  const outcome = await pending;
  if (!live()) return;
  if (outcome.ok) {
    heading.textContent = "Email changed";
    document.title = "Email changed · agentmart";
    // The stored profile changed: reload it when logged in.
    if (session.me) await loadMe().catch(() => null);
    if (!live()) return;
    clear(box).append(h("p", {}, "Your account now uses the new email address. The old address was told about the change."),
      h("div", { class: "actions" }, session.me ? link("Account", "#/account") : link("Log in", "#/login"), link("Marketplace", "#/")));
    return;
  }
  heading.textContent = "Email not changed";
  document.title = "Email not changed · agentmart";
  const taken = outcome.err instanceof ApiError && outcome.err.code === "email_taken"
    ? "Another account took this address in the meantime; your email was not changed." : null;
  const problem = taken || linkProblem(outcome.err, "email-change");
  if (!problem) showError(outcome.err);
  clear(box).append(h("p", {}, problem || "The link could not be checked."), again());
}

export async function viewRegister() {
  const { main, live } = page("Create an account");
  const limits = await passwordLimits();
  if (!live()) return;
  const form = h("form", { class: "panel auth-box", novalidate: true },
    field("Email", input("email", { autocomplete: "email", required: true }), { name: "email" }),
    field("Password", input("password", { autocomplete: "new-password", required: true }),
      { name: "password", hint: passwordHint(limits), max: limits.max || undefined }),
    field("Handle (optional)", input("text", { autocomplete: "nickname", pattern: "[a-z0-9][a-z0-9-]{1,30}" }),
      { name: "handle", hint: "Lower-case letters, digits and hyphens; derived from the email when empty." }),
    field("Display name (optional)", input("text", { autocomplete: "name" }), { name: "display_name" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Register"),
      link("I have an account", withQuery("#/login", { next: hashQuery().get("next") }))));
  onSubmit(form, async (data) => {
    /** @type {Record<string, FormDataEntryValue | null>} */
    const body = { email: data.get("email"), password: data.get("password") };
    if (data.get("handle")) body.handle = data.get("handle");
    if (data.get("display_name")) body.display_name = data.get("display_name");
    const answer = await api("POST", "auth/register", { auth: "none", body });
    storeTokens(answer.tokens);
    session.me = answer.user;
    notify(`Welcome, @${answer.user.handle}.`);
    go(afterLogin());
  });
  main.append(form);
  control(form, "email").focus();
}

// Logging out always ends the session here, even when the server could not
// be told (it expires on its own); a failure is still shown.
export async function logout() {
  let failure = null;
  try {
    if (session.access || session.refresh) await api("POST", "auth/logout");
  } catch (err) {
    failure = err;
  }
  clearSession();
  if (failure) showError(failure);
  else notify("Logged out.");
  go("#/");
}

export async function logoutEverywhere() {
  await api("POST", "auth/logout-all");
  clearSession();
  notify("Logged out of every session.");
  go("#/");
}

