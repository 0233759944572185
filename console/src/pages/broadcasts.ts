// Broadcasts: compose a one-off email to a segment (a condition, as in workflows) at a time, follow
// its progress while it sends, cancel it. The page remembers the broadcasts made in this tab.
import { call, describe, may, type Session } from "../api";
import { count, h, table } from "../dom";

interface Broadcast {
  id: string;
  name: string;
  template: string;
  send_at: string;
  status: "scheduled" | "sending" | "completed" | "cancelled" | "failed";
  counts: { matched: number; sent: number; skipped_total: number; failed: number; unconfirmed: number };
}

const MINE = "nurtureflow.broadcasts";
const SAMPLE_SEGMENT = { field: "contact.lifecycle_stage", op: "eq", value: "subscriber" };
const mine = (): string[] => JSON.parse(sessionStorage.getItem(MINE) ?? "[]") as string[];

export async function broadcastsPage(session: Session): Promise<HTMLElement> {
  const { templates } = await call<{ templates: { id: string; kind: string }[] }>("GET", "/admin/templates");
  const name = h("input", { id: "broadcast-name", type: "text", required: true });
  const template = h(
    "select",
    { id: "broadcast-template" },
    ...templates.filter((t) => t.kind === "email").map((t) => h("option", { value: t.id }, t.id)),
  );
  const segment = h("textarea", { id: "broadcast-segment", rows: 6, cols: 80, spellcheck: false });
  segment.value = JSON.stringify(SAMPLE_SEGMENT, null, 2);
  const sendAt = h("input", { id: "broadcast-send-at", type: "datetime-local" });
  const problem = h("p", { role: "alert" });
  const list = h("div", { id: "broadcasts", "aria-live": "polite" });

  async function refresh(): Promise<void> {
    const shown: Broadcast[] = [];
    for (const id of mine()) {
      try {
        shown.push(await call<Broadcast>("GET", `/admin/broadcasts/${encodeURIComponent(id)}`));
      } catch {
        // gone (an erased segment's broadcast is kept; a wrong id is not): leave it out
      }
    }
    list.replaceChildren(
      table(
        ["Broadcast", "Template", "Send at", "Status", "Matched", "Sent", "Skipped", "Failed", ""],
        shown.map((b) => [
          b.name,
          b.template,
          new Date(b.send_at).toLocaleString(),
          b.status,
          count(b.counts.matched),
          count(b.counts.sent),
          count(b.counts.skipped_total),
          count(b.counts.failed),
          (b.status === "scheduled" || b.status === "sending") && may(session, "POST /admin/broadcasts/{id}/cancel")
            ? h(
                "button",
                {
                  type: "button",
                  class: "danger",
                  onclick: async () => {
                    if (!window.confirm(`Cancel ${b.name}? No more emails leave; those sent stay sent.`)) return;
                    await call("POST", `/admin/broadcasts/${encodeURIComponent(b.id)}/cancel`);
                    await refresh();
                  },
                },
                `Cancel ${b.name}`,
              )
            : "",
        ]),
        "Broadcasts made in this tab",
      ),
    );
    // While one is waiting or sending, its progress is read again every few seconds.
    if (shown.some((b) => b.status === "scheduled" || b.status === "sending") && list.isConnected) {
      window.setTimeout(() => void refresh(), 3000);
    }
  }

  async function compose(event: Event): Promise<void> {
    event.preventDefault();
    problem.textContent = "";
    let condition: unknown;
    try {
      condition = JSON.parse(segment.value);
    } catch (error) {
      problem.textContent = `segment: not valid JSON (${(error as Error).message})`;
      return;
    }
    const body: Record<string, unknown> = { name: name.value, template: template.value, segment: condition };
    if (sendAt.value) body.send_at = new Date(sendAt.value).toISOString();
    try {
      const made = await call<Broadcast>("POST", "/admin/broadcasts", body);
      sessionStorage.setItem(MINE, JSON.stringify([made.id, ...mine()]));
      await refresh();
    } catch (error) {
      problem.textContent = describe(error);
    }
  }

  const page = h(
    "section",
    {},
    h("h1", {}, "Broadcasts"),
    h(
      "form",
      { onsubmit: compose },
      h("p", { class: "field" }, h("label", { for: "broadcast-name" }, "Name"), name),
      h("p", { class: "field" }, h("label", { for: "broadcast-template" }, "Template"), template),
      h("p", { class: "field" }, h("label", { for: "broadcast-segment" }, "Segment (a condition, JSON)"), segment),
      h("p", { class: "field" }, h("label", { for: "broadcast-send-at" }, "Send at (empty: now)"), sendAt),
      h("button", { type: "submit" }, "Schedule"),
    ),
    problem,
    list,
  );
  await refresh();
  return page;
}
