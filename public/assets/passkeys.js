// Passkeys in the browser: the WebAuthn calls the pages' buttons make. The server makes and
// checks every challenge (app/src/passkeys); this file only passes them between the server
// and `navigator.credentials`, using the browser's own JSON conversions.
//
// The pages load it once their script runs (a passkey needs it) and reveal their passkey
// buttons then. It listens on the document, so buttons drawn later (a page opened inside
// the app) work too:
//   [data-passkey="add"]          Settings: "Add a passkey" (its form holds the name field)
//   [data-passkey="sign-in"]      /sign-in: "Sign in with a passkey"
//   [data-passkey="second-step"]  /sign-in/code: "Use a passkey"
// Each button's form has a [data-passkey-error] element for what went wrong.
// An input with autocomplete "… webauthn" gets the browser's passkey suggestions.

const API = "/api/";

/** Posts `fields` to the server function `name`; answers its PasskeyAnswer. */
async function call(name, fields = {}) {
  const response = await fetch(API + name, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
    credentials: "same-origin",
  });
  if (!response.ok) {
    return { error: "We couldn't reach the server. Check your connection and try again." };
  }
  return response.json();
}

/** Shows `message` in the form's error area, or clears it. */
function say(form, message) {
  const area = form && form.querySelector("[data-passkey-error]");
  if (!area) return;
  area.textContent = message || "";
  area.hidden = !message;
  const group = area.closest(".usa-form-group");
  if (group) group.classList.toggle("usa-form-group--error", Boolean(message));
}

/** What a refusal by the browser or the person means, in their words. */
function browserRefusal(error) {
  if (error && error.name === "InvalidStateError") {
    return "This device already has a passkey for your account.";
  }
  if (error && error.name === "SecurityError") {
    return "Passkeys don't work at this address. Open Secure Messaging at its usual address and try again.";
  }
  return "The passkey request was cancelled or timed out. Please try again.";
}

function supported() {
  return typeof window.PublicKeyCredential === "function" &&
    typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function";
}

/** The sign-in started by the browser's suggestions, stopped when a button starts one. */
let suggestions = null;
/** A challenge being fetched: the password form waits for it (see the submit listener). */
let fetching = null;

async function options(name, fields) {
  const pending = call(name, fields);
  fetching = pending.catch(() => null);
  try {
    return await pending;
  } finally {
    fetching = null;
  }
}

async function addPasskey(button) {
  const form = button.closest("form");
  const name = form.querySelector("[name=passkey_name]").value;
  if (!name.trim()) {
    say(form, "Enter a name for this passkey, like \u201cMy phone\u201d.");
    form.querySelector("[name=passkey_name]").focus();
    return;
  }
  say(form, "");
  const answer = await options("passkey_add_options");
  if (answer.error) return say(form, answer.error);
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(
    JSON.parse(answer.options).publicKey,
  );
  let credential;
  try {
    credential = await navigator.credentials.create({ publicKey });
  } catch (error) {
    return say(form, browserRefusal(error));
  }
  finish(form, "passkey_add", { name, credential: JSON.stringify(credential.toJSON()) });
}

async function signIn(button, kind) {
  const form = button.closest("form");
  if (suggestions) suggestions.abort();
  say(form, "");
  const fields = kind === "sign-in" ? { next: new URLSearchParams(location.search).get("next") || "" } : {};
  const answer = await options(kind === "sign-in" ? "passkey_sign_in_options" : "passkey_second_step_options", fields);
  if (answer.error) return say(form, answer.error);
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(
    JSON.parse(answer.options).publicKey,
  );
  let credential;
  try {
    credential = await navigator.credentials.get({ publicKey });
  } catch (error) {
    return say(form, browserRefusal(error));
  }
  finish(form, "passkey_sign_in", { credential: JSON.stringify(credential.toJSON()) });
}

async function finish(form, name, fields) {
  const answer = await call(name, fields);
  if (answer.error) return say(form, answer.error);
  // A whole page load: the new session's page, not one drawn for the old one.
  if (answer.go_to) location.assign(answer.go_to);
}

/** The browser's passkey suggestions in the email field, where it offers them. */
async function offerSuggestions() {
  const field = document.querySelector("input[autocomplete~=webauthn]");
  if (!field || suggestions || !supported()) return;
  suggestions = new AbortController();
  const signal = suggestions.signal;
  // The password form waits from the first moment, while the browser is still asked whether
  // it offers suggestions: the challenge fetched after that answer would race the sign-in.
  let asked;
  const asking = new Promise((resolve) => (asked = resolve));
  fetching = asking;
  const doneAsking = () => {
    if (fetching === asking) fetching = null;
    asked();
  };
  try {
    const available = await PublicKeyCredential.isConditionalMediationAvailable?.();
    // `options` below takes over `fetching` before anything else runs.
    doneAsking();
    if (!available) return;
    const next = new URLSearchParams(location.search).get("next") || "";
    const answer = await options("passkey_sign_in_options", { next });
    if (answer.error || signal.aborted) return;
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(
      JSON.parse(answer.options).publicKey,
    );
    const credential = await navigator.credentials.get({ publicKey, mediation: "conditional", signal });
    finish(field.closest("form"), "passkey_sign_in", { credential: JSON.stringify(credential.toJSON()) });
  } catch {
    // Stopped by a button or by leaving the page: nothing to say.
  } finally {
    doneAsking();
    suggestions = null;
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-passkey]");
  if (!button) return;
  event.preventDefault();
  if (!supported()) {
    return say(button.closest("form"), "This browser can't use passkeys. Sign in another way, or use a newer browser.");
  }
  const kind = button.dataset.passkey;
  if (kind === "add") addPasskey(button);
  else signIn(button, kind);
});

// The password form waits for a challenge being fetched: its answer sets the session
// cookie, and arriving after the sign-in's it would replace the signed-in session.
document.addEventListener("submit", (event) => {
  if (!fetching) return;
  const form = event.target;
  event.preventDefault();
  fetching.finally(() => form.requestSubmit());
}, true);

document.addEventListener("focusin", (event) => {
  if (event.target.matches && event.target.matches("input[autocomplete~=webauthn]")) offerSuggestions();
});
