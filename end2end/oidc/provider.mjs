// A real OpenID Connect provider for the tests: the npm `oidc-provider` (a certified
// implementation) with its development sign-in pages, on 127.0.0.1:OIDC_PORT.
//
// OIDC_REDIRECT_URIS and OIDC_POST_LOGOUT_URIS (comma-separated) are the app's callback
// and post-sign-out addresses. Anyone can sign in with any password; the login name decides
// who they are:
//   alex                → veteran@example.com, verified (Alex Rivera of the demo)
//   jordan              → veteran2@example.com, NOT verified (Jordan Lee of the demo)
//   anything else, e.g. → <login>@example.com, verified (for new people)
// Claims come from the user info endpoint, as with most real providers (the ID token
// carries `sub`).
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT ?? 3900);
const list = (name) => (process.env[name] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
const issuer = `http://127.0.0.1:${port}`;

function claimsOf(login) {
  switch (login) {
    case "alex":
      return { email: "veteran@example.com", email_verified: true, name: "Alex Rivera" };
    case "jordan":
      return { email: "veteran2@example.com", email_verified: false, name: "Jordan Lee" };
    default:
      return { email: `${login}@example.com`, email_verified: true, name: `Test ${login}` };
  }
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "secure-messaging",
      client_secret: "test-client-secret",
      redirect_uris: list("OIDC_REDIRECT_URIS"),
      post_logout_redirect_uris: list("OIDC_POST_LOGOUT_URIS"),
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  pkce: { required: () => true },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, ...claimsOf(id) }),
  }),
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ["secure-messaging-test-provider"] },
});

provider.listen(port, "127.0.0.1");
console.log(`OpenID provider listening at ${issuer}`);
