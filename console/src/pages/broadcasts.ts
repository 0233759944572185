// Broadcasts: compose a one-off email to a segment (a condition, as in workflows) at a time, see how
// many contacts it matches before sending, follow every broadcast's progress, cancel one.
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

const SAMPLE_SEGMENT = { field: "contact.lifecycle_stage", op: "eq", value: "subscriber" };
const PAGE = 20;

interface Audience {
  matched: number;
  scanned: number;
  complete: boolean;
}

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
  const audience = h("p", { id: "audience", role: "status", "aria-live": "polite" });
  const list = h("div", { id: "broadcasts", "aria-live": "polite" });
  let pages = 1; // how many pages of the list are shown ("Show more" adds one)

  function condition(): unknown | undefined {
    try {
      return JSON.parse(segment.value);
    } catch (error) {
      problem.textContent = `segment: not valid JSON (${(error as Error).message})`;
      return undefined;
    }
  }

  async function countAudience(): Promise<void> {
    problem.textContent = "";
    const parsed = condition();
    if (parsed === undefined) return;
    audience.textContent = "Counting…";
    try {
      const found = await call<Audience>("POST", "/admin/broadcasts/audience", { segment: parsed });
      audience.textContent = found.complete
        ? `${count(found.matched)} of ${count(found.scanned)} contacts match this segment now.`
        : `${count(found.matched)} of the first ${count(found.scanned)} contacts match (the count stopped there; the broadcast reads them all).`;
    } catch (error) {
      audience.textContent = "";
      problem.textContent = describe(error);
    }
  }

  async function refresh(): Promise<void> {
    const shown: Broadcast[] = [];
    let after: string | null = null;
    for (let page = 0; page < pages; page += 1) {
      const query: string = `?limit=${PAGE}${after ? `&after=${encodeURIComponent(after)}` : ""}`;
      const found: { broadcasts: Broadcast[]; next: string | null } = await call("GET", `/admin/broadcasts${query}`);
      shown.push(...found.broadcasts);
      after = found.next;
      if (!after) break;
    }
    const more = after
      ? h(
          "button",
          {
            type: "button",
            onclick: async () => {
              pages += 1;
              await refresh();
            },
          },
          "Show more",
        )
      : "";
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
        "Broadcasts, newest first",
      ),
      more,
    );
    // While one is waiting or sending, its progress is read again every few seconds.
    if (shown.some((b) => b.status === "scheduled" || b.status === "sending") && list.isConnected) {
      window.setTimeout(() => void refresh(), 3000);
    }
  }

  async function compose(event: Event): Promise<void> {
    event.preventDefault();
    problem.textContent = "";
    const parsed = condition();
    if (parsed === undefined) return;
    const body: Record<string, unknown> = { name: name.value, template: template.value, segment: parsed };
    if (sendAt.value) body.send_at = new Date(sendAt.value).toISOString();
    try {
      await call<Broadcast>("POST", "/admin/broadcasts", body);
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
      h("p", { class: "field" }, h("button", { type: "button", onclick: countAudience }, "Count contacts"), audience),
      h("p", { class: "field" }, h("label", { for: "broadcast-send-at" }, "Send at (empty: now)"), sendAt),
      h("button", { type: "submit" }, "Schedule"),
    ),
    problem,
    list,
  );
  await refresh();
  return page;
}
