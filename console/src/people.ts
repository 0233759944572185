// People's sign-in: Cognito's hosted page (or the local stack's stand-in for it), the authorization
// code flow with PKCE, done with oauth4webapi. The access token it yields is sent to the admin API
// like a role token; the API verifies it and reads the person's groups as their roles.
import * as oauth from "oauth4webapi";

export interface SignIn {
  domain: string; // the hosted page's origin: https://<prefix>.auth.<region>.amazoncognito.com
  clientId: string; // the console's app client (public: no secret)
  issuer: string; // https://cognito-idp.<region>.amazonaws.com/<pool id>
  redirectUri: string; // the console's own URL, registered on the app client
}

const VERIFIER = "nurtureflow.pkce";
const STATE = "nurtureflow.state";

const server = (c: SignIn): oauth.AuthorizationServer => ({
  issuer: c.issuer,
  authorization_endpoint: `${c.domain}/oauth2/authorize`,
  token_endpoint: `${c.domain}/oauth2/token`,
});

/** Send the browser to the sign-in page; it comes back to ``redirectUri`` with a code. */
export async function startSignIn(c: SignIn): Promise<void> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(VERIFIER, verifier);
  sessionStorage.setItem(STATE, state);
  const url = new URL(`${c.domain}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: c.clientId,
    redirect_uri: c.redirectUri,
    scope: "openid email",
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  }).toString();
  location.assign(url.href);
}

/** On the way back from the sign-in page: the access token for its code (undefined on any other
 * visit). The code leaves the address bar at once, whatever happens next. */
export async function finishSignIn(c: SignIn): Promise<string | undefined> {
  const here = new URL(location.href);
  if (!here.searchParams.has("code") && !here.searchParams.has("error")) return undefined;
  const verifier = sessionStorage.getItem(VERIFIER);
  const state = sessionStorage.getItem(STATE);
  sessionStorage.removeItem(VERIFIER);
  sessionStorage.removeItem(STATE);
  history.replaceState(null, "", `${here.pathname}${here.hash}`);
  if (!verifier || !state) throw new Error("this sign-in was not started in this tab: sign in again");
  const as = server(c);
  const client: oauth.Client = { client_id: c.clientId };
  const params = oauth.validateAuthResponse(as, client, here, state);
  // Plain http only for the local stack on this machine (its stand-in page); Cognito is https.
  const insecure = new URL(c.domain).protocol === "http:";
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    c.redirectUri,
    verifier,
    { [oauth.allowInsecureRequests]: insecure },
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client, response);
  return result.access_token;
}

/** Where signing out ends: the hosted page forgets the person, then sends the browser back. */
export function signOutUrl(c: SignIn): string {
  const query = new URLSearchParams({ client_id: c.clientId, logout_uri: c.redirectUri });
  return `${c.domain}/logout?${query.toString()}`;
}
