// Costs for finance: a period's report by workflow, template or day, as a table and a chart by AWS
// service, with budgets; the CSV is the API's own.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { call, describe, type Session } from "../api";
import { count, h, table, usd } from "../dom";

const SERVICES = ["ses", "stepfunctions", "lambda", "dynamodb", "apigateway"] as const;
const SERVICE_NAMES: Record<(typeof SERVICES)[number], string> = {
  ses: "SES",
  stepfunctions: "Step Functions",
  lambda: "Lambda",
  dynamodb: "DynamoDB",
  apigateway: "API Gateway",
};
const COLOURS = ["#3e7cb1", "#f2a541", "#e4572e", "#2e9e5b", "#7d5ba6"];

interface Row {
  key: string;
  emails: number;
  usd: Record<string, number>;
  total_usd: number;
  usd_per_email: number | null;
  budget?: { month: string; monthly_usd: number; spent_usd: number; remaining_usd: number; exceeded: boolean };
  lift?: { incremental_revenue_per_usd: Record<string, number | null>; significant: Record<string, boolean> };
}

/** A holdout's return: incremental revenue per US dollar spent, by currency; "not significant" marks noise. */
function returned(row: Row): string {
  if (!row.lift) return "";
  return Object.entries(row.lift.incremental_revenue_per_usd)
    .map(([currency, ratio]) => `${ratio === null ? "n/a" : ratio.toLocaleString("en-US")} ${currency}${row.lift?.significant[currency] ? "" : " (not significant)"}`)
    .join(", ");
}

interface Outcome {
  enrolled: number;
  conversions: number;
}

interface Report {
  from: string;
  to: string;
  group_by: string;
  rows: Row[];
  total: Row;
}

/** The stack's time, not this browser's: costs are dated by the stack's clock, which the local
 * stack moves on demand (a report of "this month" by the browser's date would miss a day ahead). */
async function stackNow(): Promise<Date> {
  return new Date((await call<Session>("GET", "/admin/session")).now);
}

function thisMonth(now: Date): [string, string] {
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return [first.toISOString().slice(0, 10), now.toISOString().slice(0, 10)];
}

function lastMonth(now: Date): [string, string] {
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
  return [first.toISOString().slice(0, 10), last.toISOString().slice(0, 10)];
}

export async function costsPage(): Promise<HTMLElement> {
  const [defaultFrom, defaultTo] = lastMonth(await stackNow());
  const from = h("input", { id: "from", name: "from", type: "date", value: defaultFrom, required: true });
  const to = h("input", { id: "to", name: "to", type: "date", value: defaultTo, required: true });
  const groupBy = h(
    "select",
    { id: "group-by", name: "group_by" },
    h("option", { value: "workflow" }, "workflow"),
    h("option", { value: "template" }, "template"),
    h("option", { value: "day" }, "day"),
  );
  const problem = h("p", { role: "alert" });
  const output = h("div", { id: "report" });
  const csv = h("button", { type: "button" }, "Download CSV");

  const query = (): string =>
    `/admin/costs?from=${encodeURIComponent(from.value)}&to=${encodeURIComponent(to.value)}&group_by=${groupBy.value}`;

  async function load(): Promise<void> {
    problem.textContent = "";
    try {
      const report = await call<Report>("GET", query());
      draw(report, report.group_by === "workflow" ? await outcomes(report) : undefined);
    } catch (error) {
      output.replaceChildren();
      problem.textContent = describe(error);
    }
  }

  /** Each workflow's contacts enrolled and conversions in the period (its stats), for the cost per
   * contact and per conversion; none for broadcasts, deleted workflows and lines of no workflow. */
  async function outcomes(report: Report): Promise<Map<string, Outcome>> {
    const found = new Map<string, Outcome>();
    const period = `from=${encodeURIComponent(report.from)}&to=${encodeURIComponent(report.to)}`;
    await Promise.all(
      report.rows
        .filter((row) => !row.key.startsWith("broadcast:") && row.key !== "(none)")
        .map(async (row) => {
          try {
            found.set(row.key, await call<Outcome>("GET", `/admin/workflows/${encodeURIComponent(row.key)}/stats?${period}`));
          } catch {
            // a workflow deleted since: its costs stay, its outcomes are gone
          }
        }),
    );
    return found;
  }

  function draw(report: Report, outcome?: Map<string, Outcome>): void {
    const per = (usdSpent: number, n: number | undefined): string => (n ? usd(usdSpent / n) : "");
    const rows: (string | HTMLElement)[][] = report.rows.map((row) => [
      row.key,
      count(row.emails),
      ...SERVICES.map((service) => usd(row.usd[service] ?? 0)),
      usd(row.total_usd),
      row.usd_per_email === null ? "" : usd(row.usd_per_email),
      ...(outcome ? [per(row.total_usd, outcome.get(row.key)?.enrolled), per(row.total_usd, outcome.get(row.key)?.conversions), returned(row)] : []),
      row.budget
        ? `${usd(row.budget.spent_usd)} of ${usd(row.budget.monthly_usd)} in ${row.budget.month}${row.budget.exceeded ? " (exceeded)" : ""}`
        : "",
    ]);
    const total = report.total;
    rows.push([
      h("strong", {}, "Total"),
      count(total.emails),
      ...SERVICES.map((service) => usd(total.usd[service] ?? 0)),
      usd(total.total_usd),
      total.usd_per_email === null ? "" : usd(total.usd_per_email),
      ...(outcome ? ["", "", ""] : []),
      "",
    ]);
    const headers = [
      report.group_by,
      "Emails",
      ...SERVICES.map((s) => SERVICE_NAMES[s]),
      "Total",
      "Per email",
      ...(outcome ? ["Per contact enrolled", "Per conversion", "Incremental revenue per USD"] : []),
      "Budget this month",
    ];
    output.replaceChildren(
      table(headers, rows, `Costs by ${report.group_by}, ${report.from} to ${report.to} (USD)`),
      chart(report),
    );
  }

  function chart(report: Report): HTMLElement {
    const holder = h("figure", { class: "chart" }, h("figcaption", {}, "USD by AWS service"));
    if (!report.rows.length) {
      holder.append(h("p", {}, "Nothing was spent in this period."));
      return holder;
    }
    // One stacked bar per row: each series is drawn from the running sum of the ones before it.
    const xs = report.rows.map((_, index) => index);
    const stacked: number[][] = [];
    let below = report.rows.map(() => 0);
    for (const service of SERVICES) {
      below = report.rows.map((row, index) => below[index] + (row.usd[service] ?? 0));
      stacked.push(below);
    }
    const bars = uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 60] }) : undefined;
    const options: uPlot.Options = {
      width: Math.min(900, 160 + report.rows.length * 80),
      height: 280,
      scales: { x: { time: false } },
      axes: [
        { values: (_u, ticks) => ticks.map((tick) => report.rows[tick]?.key ?? "") },
        { values: (_u, ticks) => ticks.map((tick) => usd(tick)), size: 70 },
      ],
      series: [
        {},
        // Last first, so the taller running sums sit behind the shorter ones.
        ...SERVICES.map((service, index) => ({
          label: SERVICE_NAMES[service],
          fill: COLOURS[index],
          stroke: COLOURS[index],
          paths: bars,
          value: (_u: uPlot, value: number | null) => (value === null ? "" : usd(value)),
        })).reverse(),
      ],
    };
    const data = [xs, ...stacked.slice().reverse()] as uPlot.AlignedData;
    new uPlot(options, data, holder);
    return holder;
  }

  csv.addEventListener("click", async () => {
    problem.textContent = "";
    try {
      const text = await call<string>("GET", query(), undefined, "text/csv");
      const link = h("a", {
        href: URL.createObjectURL(new Blob([text], { type: "text/csv" })),
        download: `costs-${groupBy.value}-${from.value}-${to.value}.csv`,
      });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (error) {
      problem.textContent = describe(error);
    }
  });

  const form = h(
    "form",
    { class: "filters", onsubmit: (event: Event) => { event.preventDefault(); void load(); } },
    h("label", { for: "from" }, "From"),
    from,
    h("label", { for: "to" }, "To"),
    to,
    h("label", { for: "group-by" }, "Group by"),
    groupBy,
    h("button", { type: "submit" }, "Show"),
    ...([["Last month", lastMonth], ["This month", thisMonth]] as const).map(([label, period]) =>
      h(
        "button",
        {
          type: "button",
          onclick: async () => {
            try {
              [from.value, to.value] = period(await stackNow());
            } catch (error) {
              problem.textContent = describe(error);
              return;
            }
            await load();
          },
        },
        label,
      ),
    ),
    csv,
  );
  const page = h("section", {}, h("h1", {}, "Costs"), form, problem, output);
  await load();
  return page;
}
