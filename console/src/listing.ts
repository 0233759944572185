// A listing of the API in pages: ``?limit=50``, then ``&after=`` the previous page's ``next``.
import { call } from "./api";
import { type Child, h } from "./dom";

const PAGE_SIZE = 50;

/** A table of ``path``'s items (under ``key``), a page at a time with "Show more"; ``row`` draws one. */
export async function pagedTable<T>(
  headers: string[],
  caption: string,
  path: string,
  key: string,
  row: (item: T) => Child[],
): Promise<HTMLElement> {
  const body = h("tbody", {});
  const more = h("button", { type: "button" }, "Show more");
  const shown = h("span", { class: "count" });
  let next: string | null = null;
  let total = 0;
  async function append(after: string | null): Promise<void> {
    const query = `?limit=${PAGE_SIZE}${after === null ? "" : `&after=${encodeURIComponent(after)}`}`;
    const page = await call<Record<string, unknown> & { next: string | null }>("GET", `${path}${query}`);
    const items = page[key] as T[];
    for (const item of items) body.append(h("tr", {}, ...row(item).map((cell) => h("td", {}, cell))));
    total += items.length;
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
