// Contacts (admin): find one by email or id; profile, score and stage, events, runs and sends;
// export everything held (GDPR access) and erase (GDPR erasure), after a confirmation.
import { ApiError, call, describe, may, type Session } from "../api";
import { count, h, table } from "../dom";

interface Export {
  contact: { id: string; email: string; first_name?: string; last_name?: string; lifecycle_stage?: string; score: number };
  events: { type: string; occurred_at: string; properties?: Record<string, unknown> }[];
  runs: { workflow: string; status: string }[];
  sends: { template?: string; status?: string }[];
}

export async function contactsPage(session: Session): Promise<HTMLElement> {
  const input = h("input", { id: "contact", name: "contact", type: "search", required: true, autocomplete: "off" });
  const problem = h("p", { role: "alert" });
  const status = h("p", { role: "status", "aria-live": "polite" });
  const found = h("div", { id: "found" });

  async function find(event: Event): Promise<void> {
    event.preventDefault();
    problem.textContent = "";
    status.textContent = "";
    found.replaceChildren();
    const key = encodeURIComponent(input.value.trim());
    try {
      show(key, await call<Export>("GET", `/admin/contacts/${key}`));
    } catch (error) {
      problem.textContent =
        error instanceof ApiError && error.status === 404 ? "No contact has that email or id." : String(error);
    }
  }

  function show(key: string, held: Export): void {
    const c = held.contact;
    const exportLink = h(
      "a",
      {
        href: URL.createObjectURL(new Blob([JSON.stringify(held, null, 2)], { type: "application/json" })),
        download: `contact-${c.id}.json`,
        class: "button",
      },
      "Export (JSON)",
    );
    const erase = h(
      "button",
      {
        type: "button",
        class: "danger",
        onclick: async () => {
          const sure = window.confirm(
            `Erase ${c.email} everywhere? The contact, its events, sends and runs are deleted and its running ` +
              "workflows stopped. This cannot be undone.",
          );
          if (!sure) return;
          try {
            const { erased } = await call<{ erased: Record<string, number> }>("DELETE", `/admin/contacts/${key}`);
            found.replaceChildren();
            status.textContent = `Erased ${c.email}: ${Object.entries(erased).map(([what, n]) => `${count(n)} ${what}`).join(", ")}.`;
          } catch (error) {
            problem.textContent = describe(error);
          }
        },
      },
      "Erase",
    );
    found.replaceChildren(
      h("h2", {}, c.email),
      table(
        ["Name", "Stage", "Score", "Events", "Runs", "Sends"],
        [[[c.first_name, c.last_name].filter(Boolean).join(" "), c.lifecycle_stage ?? "", c.score, held.events.length, held.runs.length, held.sends.length]],
      ),
      h("p", { class: "toolbar" }, exportLink, may(session, "DELETE /admin/contacts/{id}") ? erase : null),
      table(
        ["Workflow", "Status"],
        held.runs.map((r) => [r.workflow, r.status]),
        "Runs",
      ),
      // The score's history is its score_changed events: each says why (a rule or a workflow step),
      // by how much, and the score and stage after it.
      table(
        ["When", "Points", "Score after", "Stage after", "Why"],
        held.events
          .filter((e) => e.type === "score_changed")
          .reverse()
          .map((e) => {
            const p = e.properties ?? {};
            const why = p.rule ? `rule ${String(p.rule)}` : p.step ? `step ${String(p.step)}` : "";
            return [new Date(e.occurred_at).toLocaleString(), String(p.delta ?? ""), String(p.score ?? ""), String(p.stage ?? ""), why];
          }),
        "Score and stage history",
      ),
      table(
        ["Event", "When"],
        held.events.slice(-50).reverse().map((e) => [e.type, new Date(e.occurred_at).toLocaleString()]),
        "Latest events",
      ),
    );
  }

  return h(
    "section",
    {},
    h("h1", {}, "Contacts"),
    h(
      "form",
      { class: "filters", role: "search", onsubmit: find },
      h("label", { for: "contact" }, "Email or contact id"),
      input,
      h("button", { type: "submit" }, "Find"),
    ),
    problem,
    status,
    found,
  );
}
