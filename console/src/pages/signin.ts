// Sign-in: as a person through the sign-in page (Cognito's, or the local stack's stand-in), or with
// a role token (for scripts and CI; the local stack prints one per role).
import { ApiError, call, settings, token, type Session } from "../api";
import { h } from "../dom";
import { startSignIn } from "../people";

export async function signInPage(done: (session: Session) => void, problem = ""): Promise<HTMLElement> {
  const config = await settings();
  const input = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", required: true });
  const alert = h("p", { id: "sign-in-problem", role: "alert" }, problem);
  const form = h(
    "form",
    {
      "aria-describedby": "sign-in-problem",
      onsubmit: async (event: Event) => {
        event.preventDefault();
        token.set(input.value.trim());
        try {
          done(await call<Session>("GET", "/admin/session"));
        } catch (error) {
          token.clear();
          alert.textContent =
            error instanceof ApiError && error.status === 401
              ? "That token is not valid."
              : `The API did not answer: ${String(error)}`;
          input.focus();
        }
      },
    },
    h("label", { for: "token" }, "Role token"),
    input,
    h("button", { type: "submit" }, "Sign in with the token"),
  );
  if (!config.signIn) {
    return h("section", {}, h("h1", {}, "Sign in"), h("p", {}, "Use the token of your role (marketer, finance or admin)."), form, alert);
  }
  const signIn = config.signIn;
  return h(
    "section",
    {},
    h("h1", {}, "Sign in"),
    h("p", {}, "Sign in with your NurtureFlow account. What you may do follows your groups: marketer, finance or admin."),
    h("button", { type: "button", id: "sign-in-person", onclick: () => void startSignIn(signIn) }, "Sign in"),
    alert,
    h("details", {}, h("summary", {}, "Use a role token instead"), form),
  );
}
