// Lead-scoring rules in the schema-aware editor (GET /admin/schema/scoring): saving replaces the
// rules whole, and the API's 422 problems are shown at their place. Loaded when the page is opened.
import { ApiError, call, describe, may, type Session } from "../api";
import { h } from "../dom";
import { jsonEditor } from "../json_editor";

interface Scoring {
  default?: boolean;
  [key: string]: unknown;
}

export async function scoringPage(session: Session): Promise<HTMLElement> {
  const [schema, current] = await Promise.all([
    call<Record<string, unknown>>("GET", "/admin/schema/scoring"),
    call<Scoring>("GET", "/admin/scoring"),
  ]);
  const editable = may(session, "PUT /admin/scoring");
  const { default: isDefault, ...document } = current;
  const { holder, problems, showProblems, body } = jsonEditor({
    schema,
    document,
    editable,
    label: "Scoring rules JSON",
  });
  const status = h("p", { role: "status", "aria-live": "polite" });

  async function save(): Promise<void> {
    const rules = body();
    if (rules === undefined) return;
    try {
      await call("PUT", "/admin/scoring", rules);
      showProblems([]);
      status.textContent = "Saved: the new rules score every event from now on.";
    } catch (error) {
      status.textContent = "";
      if (error instanceof ApiError && error.details.length) showProblems(error.details);
      else status.textContent = describe(error);
    }
  }

  return h(
    "section",
    {},
    h("h1", {}, "Scoring rules"),
    h(
      "p",
      {},
      isDefault
        ? "These are the default rules: nobody has uploaded any yet."
        : "Points per event, caps, decay and stages: every event a contact makes is scored by these rules.",
    ),
    holder,
    editable ? h("p", { class: "toolbar" }, h("button", { type: "button", onclick: save }, "Save rules")) : "",
    status,
    h("h2", {}, "Problems"),
    problems,
  );
}
