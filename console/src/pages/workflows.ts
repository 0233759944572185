// Workflows: status and version, with the actions the role may take.
import { call, describe, may, type Session } from "../api";
import { count, h } from "../dom";
import { pagedTable } from "../listing";

interface Workflow {
  id: string;
  name: string;
  version: number;
  status: "active" | "paused" | "archived";
}

export async function workflowsPage(session: Session): Promise<HTMLElement> {
  const status = h("p", { role: "status", "aria-live": "polite" });
  const page = h("section", {}, h("h1", {}, "Workflows"), status);
  if (may(session, "PUT /admin/workflows/{id}")) {
    page.append(h("p", {}, h("a", { href: "#/workflows/new", class: "button" }, "New workflow")));
  }

  async function act(workflow: Workflow, method: string, path: string, done: string): Promise<void> {
    try {
      await call(method, path);
      status.textContent = done;
      page.replaceWith(await workflowsPage(session));
    } catch (error) {
      status.textContent = `${workflow.id}: ${describe(error)}`;
    }
  }

  function actions(workflow: Workflow): HTMLElement {
    const cell = h("span", { class: "actions" });
    const path = `/admin/workflows/${encodeURIComponent(workflow.id)}`;
    if (workflow.status === "paused" && may(session, "POST /admin/workflows/{id}/activate")) {
      cell.append(
        h("button", { type: "button", onclick: () => act(workflow, "POST", `${path}/activate`, `${workflow.id} is active.`) }, "Activate"),
      );
    }
    if (workflow.status === "active" && may(session, "POST /admin/workflows/{id}/pause")) {
      cell.append(
        h("button", { type: "button", onclick: () => act(workflow, "POST", `${path}/pause`, `${workflow.id} is paused.`) }, "Pause"),
      );
    }
    if (workflow.status !== "archived" && may(session, "DELETE /admin/workflows/{id}")) {
      cell.append(
        h(
          "button",
          {
            type: "button",
            class: "danger",
            onclick: () => {
              const sure = window.confirm(
                `Archive ${workflow.name}? No contact will enter it again, and every run in flight is stopped now: ` +
                  "their remaining emails are not sent. The workflow can still be read, not reactivated.",
              );
              if (sure) void act(workflow, "DELETE", path, `${workflow.id} is archived.`);
            },
          },
          "Archive",
        ),
      );
    }
    return cell;
  }

  /** Runs in flight, emails sent and conversions (all time), from the workflow's stats: filled in as
   * each row's answer arrives, so the list shows at once. */
  function outcomes(workflow: Workflow): HTMLElement[] {
    const cells = [h("span", {}, "…"), h("span", {}, "…"), h("span", {}, "…")];
    void call<{ in_flight: number; conversions: number; steps: { sent: number }[] }>(
      "GET",
      `/admin/workflows/${encodeURIComponent(workflow.id)}/stats`,
    )
      .then((stats) => {
        const sent = stats.steps.reduce((sum, step) => sum + step.sent, 0);
        [stats.in_flight, sent, stats.conversions].forEach((n, i) => (cells[i].textContent = count(n)));
      })
      .catch(() => cells.forEach((cell) => (cell.textContent = "")));
    return cells;
  }

  page.append(
    await pagedTable<Workflow>(
      ["Workflow", "Status", "Version", "In flight", "Emails sent", "Conversions", "Actions"],
      "Workflows",
      "/admin/workflows",
      "workflows",
      (w) => [
        h("a", { href: `#/workflows/${encodeURIComponent(w.id)}` }, w.name, h("span", { class: "id" }, ` (${w.id})`)),
        h("span", { class: `status ${w.status}` }, w.status),
        w.version,
        ...outcomes(w),
        actions(w),
      ],
    ),
  );
  return page;
}
