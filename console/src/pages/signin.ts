// Sign-in with an access token (a role token: printed by `make dev` locally, set at deploy in AWS).
import { ApiError, call, token, type Session } from "../api";
import { h } from "../dom";

export async function signInPage(done: (session: Session) => void): Promise<HTMLElement> {
  const input = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", required: true });
  const problem = h("p", { id: "sign-in-problem", role: "alert" });
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
          problem.textContent =
            error instanceof ApiError && error.status === 401
              ? "That token is not valid."
              : `The API did not answer: ${String(error)}`;
          input.focus();
        }
      },
    },
    h("label", { for: "token" }, "Access token"),
    input,
    h("button", { type: "submit" }, "Sign in"),
    problem,
  );
  return h(
    "section",
    {},
    h("h1", {}, "Sign in"),
    h(
      "p",
      {},
      "Use the token of your role (marketer, finance or admin). The local stack prints one per role when it starts.",
    ),
    form,
  );
}
