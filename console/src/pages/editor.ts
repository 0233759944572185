// A workflow as JSON in a schema-aware editor (completion, hover docs, errors as you type, from
// GET /admin/schema/workflow), the server's 422 errors at their JSON Pointer, the forecast before
// launch and the stats after. Loaded only when a workflow is opened.
import { diffLines } from "diff";
import { ApiError, call, describe, may, type Session } from "../api";
import { count, h, table, usd } from "../dom";
import { jsonEditor } from "../json_editor";
import { previewPanel } from "../preview";

const STARTER = {
  schema: "workflow/v1",
  id: "my-workflow",
  name: "My workflow",
  trigger: { event: "form_submitted" },
  start: "welcome",
  steps: { welcome: { type: "email", template: "welcome" } },
};

interface Stored {
  id: string;
  name: string;
  version: number;
  status: string;
  document: Record<string, unknown>;
  versions: { version: number; created_at?: string; pruned_at?: string }[];
}

const path = (id: string): string => `/admin/workflows/${encodeURIComponent(id)}`;

export async function editorPage(session: Session, [id]: string[]): Promise<HTMLElement> {
  const creating = id === "new";
  const [schema, stored] = await Promise.all([
    call<Record<string, unknown>>("GET", "/admin/schema/workflow"),
    creating ? Promise.resolve(undefined) : call<Stored>("GET", `/admin/workflows/${encodeURIComponent(id)}`),
  ]);
  const editable = may(session, "PUT /admin/workflows/{id}");
  const { holder, problems, showProblems, body } = jsonEditor({
    schema,
    document: stored?.document ?? STARTER,
    editable,
    label: "Workflow JSON",
  });
  const status = h("p", { role: "status", "aria-live": "polite" });
  const results = h("div", { id: "results" });

  async function save(): Promise<void> {
    const document = body() as { id?: string } | undefined;
    if (document === undefined) return;
    const target = creating ? String(document.id ?? "") : id;
    try {
      const published = await call<{ id: string; version: number }>(
        "PUT",
        `/admin/workflows/${encodeURIComponent(target)}`,
        document,
      );
      showProblems([]);
      status.textContent = `Saved ${published.id} as version ${published.version}.`;
      if (creating) location.hash = `#/workflows/${encodeURIComponent(published.id)}`;
      else void drawDiagram();
    } catch (error) {
      if (error instanceof ApiError && error.details.length) showProblems(error.details);
      else status.textContent = describe(error);
    }
  }

  let forecasted: Forecast | undefined;
  async function forecast(): Promise<void> {
    const asked = "Forecasting 1,000 contacts over 30 days…";
    status.textContent = asked;
    try {
      let answer = await call<Forecast | ForecastJob>("POST", `/admin/workflows/${encodeURIComponent(id)}/simulate`, {
        contacts: 1000,
        days: 30,
      });
      // A forecast longer than the API's time goes on as a job (202): followed while the page shows.
      while (isJob(answer)) {
        if (answer.status === "succeeded" && answer.result) answer = answer.result;
        else if (answer.status === "failed") throw new Error(answer.error ?? "the forecast failed");
        else if (!results.isConnected) return;
        else {
          status.textContent = `${asked} ${Math.round(answer.progress * 100)} %`;
          await new Promise((done) => window.setTimeout(done, 1000));
          answer = await call<ForecastJob>("GET", `/admin/simulations/${encodeURIComponent(answer.id)}`);
        }
      }
      forecasted = answer;
      status.textContent = "";
      results.replaceChildren(forecastView(forecasted));
    } catch (error) {
      status.textContent = describe(error);
    }
  }

  // The stats of a period (both days, UTC) or of all time (neither).
  const statsFrom = h("input", { id: "stats-from", name: "from", type: "date" });
  const statsTo = h("input", { id: "stats-to", name: "to", type: "date" });
  async function stats(): Promise<void> {
    status.textContent = "";
    const period = statsFrom.value || statsTo.value ? `?from=${statsFrom.value}&to=${statsTo.value}` : "";
    try {
      const found = await call<Stats>("GET", `/admin/workflows/${encodeURIComponent(id)}/stats${period}`);
      const parts: HTMLElement[] = [statsView(found)];
      // Finance's question: did it cost what the forecast said? (the costs are finance's and admin's)
      if (forecasted && found.period && may(session, "GET /admin/costs")) {
        const costs = await call<CostReport>(
          "GET",
          `/admin/costs?from=${found.period.from}&to=${found.period.to}&group_by=workflow`,
        );
        parts.push(againstForecast(forecasted, found, costs.rows.find((row) => row.key === id)));
      }
      results.replaceChildren(...parts);
    } catch (error) {
      status.textContent = describe(error);
    }
  }

  const diagram = h("figure", { class: "diagram" }, h("figcaption", {}, "Diagram"));
  async function drawDiagram(): Promise<void> {
    if (creating) return;
    try {
      const svg = await call<string>("GET", `${path(id)}/diagram`, undefined, "image/svg+xml");
      // As an image: an SVG shown through <img> runs no script, whatever the step names hold.
      const picture = h("img", { alt: `Diagram of ${id}`, src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}` });
      diagram.replaceChildren(h("figcaption", {}, "Diagram"), picture);
    } catch (error) {
      diagram.replaceChildren(h("figcaption", {}, "Diagram"), h("p", { role: "alert" }, String(error)));
    }
  }

  const buttons = h("p", { class: "toolbar" });
  if (editable) buttons.append(h("button", { type: "button", onclick: save }, "Save (publishes a version)"));
  if (!creating) {
    buttons.append(
      h("button", { type: "button", onclick: forecast }, "Forecast"),
      h("label", { for: "stats-from" }, "Stats from"),
      statsFrom,
      h("label", { for: "stats-to" }, "to"),
      statsTo,
      h("button", { type: "button", onclick: stats }, "Stats"),
    );
  }
  const heading = stored ? `${stored.name} (${stored.id}, version ${stored.version}, ${stored.status})` : "New workflow";
  void drawDiagram();
  return h(
    "section",
    {},
    h("h1", {}, heading),
    h("div", { class: "side-by-side" }, holder, diagram),
    buttons,
    status,
    h("h2", {}, "Problems"),
    problems,
    results,
    stored ? versionsView(stored) : null,
    stored && may(session, "POST /admin/templates/{id}/preview") ? previewView(stored) : null,
  );
}

/** Every version, each viewable, and what changed between any version and the current one. */
function versionsView(stored: Stored): HTMLElement {
  const shown = h("div", { id: "version-shown" });
  const current = JSON.stringify(stored.document, null, 2);
  async function document(version: number): Promise<string> {
    const answer = await call<{ document: unknown }>("GET", `${path(stored.id)}/versions/${version}`);
    return JSON.stringify(answer.document, null, 2);
  }
  const rows = stored.versions
    .slice()
    .sort((a, b) => b.version - a.version)
    .map((v) => [
      `version ${v.version}${v.version === stored.version ? " (current)" : ""}`,
      v.created_at ? new Date(v.created_at).toLocaleString() : "",
      h(
        "span",
        { class: "actions" },
        h("button", { type: "button", onclick: async () => shown.replaceChildren(h("h3", {}, `Version ${v.version}`), h("pre", { tabindex: 0 }, await document(v.version))) }, `View ${v.version}`),
        v.version === stored.version
          ? null
          : h(
              "button",
              {
                type: "button",
                onclick: async () => {
                  const changes = diffLines(await document(v.version), current);
                  shown.replaceChildren(
                    h("h3", {}, `Version ${v.version} to ${stored.version}`),
                    h(
                      "pre",
                      { class: "diff", tabindex: 0 }, // scrollable: reachable by keyboard
                      ...changes.map((part) =>
                        h(part.added ? "ins" : part.removed ? "del" : "span", {}, part.value),
                      ),
                    ),
                  );
                },
              },
              `Compare ${v.version} with ${stored.version}`,
            ),
      ),
    ]);
  return h("section", { "aria-label": "Versions" }, h("h2", {}, "Versions"), table(["Version", "Published", ""], rows), shown);
}

/** Each email step's template as a contact would get it, in a sandboxed frame, at two widths. */
function previewView(stored: Stored): HTMLElement {
  const steps = Object.entries((stored.document.steps ?? {}) as Record<string, { type?: string; template?: string }>)
    .filter(([, step]) => step.type === "email" && step.template)
    .map(([stepId, step]) => ({ label: `${stepId} (${step.template})`, template: String(step.template) }));
  return previewPanel(steps, "Email step");
}

interface Forecast {
  contacts: number;
  emails: number;
  steps: Record<string, { type: string; entered: number; sent: number; skipped: number; opened: number; clicked: number; exited: number }>;
  cost: { usd: Record<string, number>; total_usd: number; usd_per_1000_contacts: number };
}

interface ForecastJob {
  id: string;
  status: "running" | "succeeded" | "failed";
  progress: number;
  result?: Forecast;
  error?: string;
}

const isJob = (answer: Forecast | ForecastJob): answer is ForecastJob => !("steps" in answer);

function forecastView(result: Forecast): HTMLElement {
  return h(
    "section",
    { "aria-label": "Forecast" },
    h("h2", {}, "Forecast"),
    table(
      ["Step", "Type", "Entered", "Sent", "Skipped", "Opened", "Clicked", "Left by goal"],
      Object.entries(result.steps).map(([step, s]) => [step, s.type, count(s.entered), count(s.sent), count(s.skipped), count(s.opened), count(s.clicked), count(s.exited)]),
      `${count(result.contacts)} synthetic contacts, ${count(result.emails)} emails`,
    ),
    table(
      ["AWS service", "USD"],
      [...Object.entries(result.cost.usd).map(([service, value]) => [service, usd(value)]), ["Total", usd(result.cost.total_usd)]],
      `Forecast cost: ${usd(result.cost.usd_per_1000_contacts)} per 1,000 contacts`,
    ),
  );
}

interface Stats {
  period: { from: string; to: string } | null;
  enrolled: number;
  in_flight: number;
  conversions: number;
  revenue: Record<string, number>;
  steps: { id: string; type: string; entered: number; sent: number; opened: number; clicked: number; exited_by_goal: number; skipped: Record<string, number> }[];
  holdout: Holdout | null;
}

interface HoldoutGroup {
  contacts: number;
  converted: number;
  conversion_rate: number;
  revenue_per_contact: Record<string, number>;
}

interface Difference {
  difference: number;
  low: number | null;
  high: number | null;
  significant: boolean;
}

interface Holdout {
  step?: string;
  percent?: number;
  measure_for?: string;
  control: HoldoutGroup;
  treated: HoldoutGroup;
  conversion_rate: Difference;
  revenue_per_contact: Record<string, Difference>;
  incremental_revenue: Record<string, number>;
}

interface CostReport {
  rows: { key: string; emails: number; total_usd: number }[];
}

/** Per 1,000 contacts: what the forecast said, and what the period's enrolments actually did. */
function againstForecast(forecast: Forecast, actual: Stats, cost: CostReport["rows"][number] | undefined): HTMLElement {
  const per1000 = (n: number, of: number): string => (of ? count(Math.round((n * 1000) / of)) : "");
  const sent = actual.steps.reduce((sum, step) => sum + step.sent, 0);
  const spent = cost?.total_usd ?? 0;
  const period = actual.period as { from: string; to: string };
  return h(
    "section",
    { "aria-label": "Forecast against actual" },
    h("h2", {}, "Forecast against actual"),
    table(
      ["Per 1,000 contacts", "Forecast", `Actual, ${period.from} to ${period.to}`],
      [
        ["Emails sent", per1000(forecast.emails, forecast.contacts), per1000(sent, actual.enrolled)],
        [
          "Cost (USD)",
          usd(forecast.cost.usd_per_1000_contacts),
          actual.enrolled ? usd((spent * 1000) / actual.enrolled) : "",
        ],
      ],
      `${count(actual.enrolled)} contacts enrolled in the period, ${usd(spent)} spent (a run's Step Functions cost counts when it ends)`,
    ),
  );
}

const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;

/** The difference and its 95 % interval, in the figure's own unit. */
function lift(d: Difference, show: (n: number) => string): string {
  const interval = d.low === null || d.high === null ? "too few contacts for an interval" : `95 % interval ${show(d.low)} to ${show(d.high)}`;
  return `${d.difference >= 0 ? "+" : ""}${show(d.difference)} (${interval}; ${d.significant ? "significant" : "not significant"})`;
}

function holdoutView(holdout: Holdout): HTMLElement {
  const currencies = Object.keys(holdout.revenue_per_contact);
  const money = (amounts: Record<string, number>): string =>
    currencies.map((c) => `${(amounts[c] ?? 0).toLocaleString("en-US")} ${c}`).join(", ");
  const group = (name: string, g: HoldoutGroup): string[] => [name, count(g.contacts), count(g.converted), percent(g.conversion_rate), money(g.revenue_per_contact)];
  const points = (n: number): string => `${(n * 100).toFixed(1)} points`;
  return h(
    "section",
    { "aria-label": "Holdout" },
    h("h3", {}, `Holdout${holdout.step ? ` at ${holdout.step}: ${holdout.percent} % held out, orders measured for ${holdout.measure_for}` : ""}`),
    table(
      ["Group", "Contacts", "Bought", "Conversion rate", "Revenue per contact"],
      [group("Held out (control)", holdout.control), group("Treated", holdout.treated)],
      "Both groups, each contact measured from the holdout on",
    ),
    h(
      "p",
      {},
      `Lift: conversion rate ${lift(holdout.conversion_rate, points)}` +
        currencies.map((c) => `; revenue per contact ${lift(holdout.revenue_per_contact[c], (n) => `${n.toFixed(2)} ${c}`)}`).join("") +
        (currencies.length ? `; incremental revenue ${money(holdout.incremental_revenue)}` : ""),
    ),
  );
}

function statsView(stats: Stats): HTMLElement {
  const period = stats.period ? `${stats.period.from} to ${stats.period.to}` : "all time";
  const revenue = Object.entries(stats.revenue)
    .map(([currency, amount]) => `${amount.toLocaleString("en-US")} ${currency}`)
    .join(", ");
  return h(
    "section",
    { "aria-label": "Stats" },
    h("h2", {}, `Stats, ${period}`),
    h(
      "p",
      {},
      `${count(stats.enrolled)} enrolled, ${count(stats.in_flight)} in flight now, ${count(stats.conversions)} conversions${revenue ? ` (${revenue})` : ""}`,
    ),
    table(
      ["Step", "Type", "Entered", "Sent", "Opened", "Clicked", "Left by goal", "Skipped"],
      stats.steps.map((s) => [
        s.id,
        s.type,
        count(s.entered),
        count(s.sent),
        count(s.opened),
        count(s.clicked),
        count(s.exited_by_goal),
        Object.entries(s.skipped).map(([reason, n]) => `${reason} ${n}`).join(", "),
      ]),
    ),
    ...(stats.holdout ? [holdoutView(stats.holdout)] : []),
  );
}
