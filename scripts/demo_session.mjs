// Signs in to a running demo server over HTTP, for the measuring scripts
// (page_weight.mjs, lighthouse.mjs). Every demo account's password is the same (README).
export const PASSWORD = "demo-password-2026";

/** Signs in over HTTP as the sign-in form does; returns the session cookie's value. */
export async function signIn(base, email) {
  const response = await fetch(`${base}/api/sign_in`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "text/html",
      // Same-origin form post (the server refuses state changes from other sites).
      origin: base,
    },
    body: new URLSearchParams({ email, password: PASSWORD }).toString(),
  });
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .find((c) => c.startsWith("sm_session="));
  if (response.status !== 302 || !cookie) {
    throw new Error(`sign-in of ${email} failed: HTTP ${response.status}`);
  }
  return cookie.slice("sm_session=".length);
}

/** The first link on `path` whose address matches `pattern` (a thread to open). */
export async function firstLink(base, session, path, pattern) {
  const response = await fetch(`${base}${path}`, { headers: { cookie: `sm_session=${session}` } });
  const html = await response.text();
  const match = html.match(pattern);
  if (!match) throw new Error(`no link matching ${pattern} on ${path}`);
  return match[1];
}
