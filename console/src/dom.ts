// A few DOM helpers: the console is small enough to need no UI framework.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | ((event: Event) => void) | undefined>;

/** An element with attributes (``on…`` ones become listeners) and children; text is never HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2).toLowerCase(), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function table(headers: string[], rows: Child[][], caption?: string): HTMLTableElement {
  return h(
    "table",
    {},
    caption ? h("caption", {}, caption) : null,
    h("thead", {}, h("tr", {}, ...headers.map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, ...rows.map((row) => h("tr", {}, ...row.map((cell) => h("td", {}, cell))))),
  );
}

export const count = (n: number): string => n.toLocaleString("en-US");

/** Dollars as the cost report writes them: cents from a dollar up, three significant digits below. */
export function usd(value: number): string {
  if (value === 0) return "$0.00";
  if (Math.abs(value) >= 1) return `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return `$${Number(value.toPrecision(3)).toString()}`;
}

export const PAGE_SIZE = 50;

/** A table that pages through a listing of the API: ``load(after)`` gives a page's rows and the
 * ``after`` of the next one (null on the last); "Show more" asks for it. */
export async function pagedTable(
  headers: string[],
  caption: string,
  load: (after: string | null) => Promise<{ rows: Child[][]; next: string | null }>,
): Promise<HTMLElement> {
  const body = h("tbody", {});
  const more = h("button", { type: "button" }, "Show more");
  const shown = h("span", { class: "count" });
  let next: string | null = null;
  let total = 0;
  async function append(after: string | null): Promise<void> {
    const page = await load(after);
    for (const row of page.rows) body.append(h("tr", {}, ...row.map((cell) => h("td", {}, cell))));
    total += page.rows.length;
    next = page.next;
    more.hidden = next === null;
    shown.textContent = `${total} shown${next === null ? "" : ", more to come"}`;
  }
  more.addEventListener("click", () => void append(next));
  await append(null);
  return h(
    "div",
    {},
    h(
      "table",
      {},
      h("caption", {}, caption, " ", shown),
      h("thead", {}, h("tr", {}, ...headers.map((name) => h("th", { scope: "col" }, name)))),
      body,
    ),
    more,
  );
}
