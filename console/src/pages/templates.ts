// Templates: every email, layout and partial, with its subject and last upload.
import { call } from "../api";
import { h, PAGE_SIZE, pagedTable } from "../dom";

interface Template {
  id: string;
  kind: string;
  subject: string | null;
  updated_at: string | null;
}

export async function templatesPage(): Promise<HTMLElement> {
  const listing = await pagedTable(["Template", "Kind", "Subject", "Last upload"], "Templates", async (after) => {
    const query = `?limit=${PAGE_SIZE}${after === null ? "" : `&after=${encodeURIComponent(after)}`}`;
    const { templates, next } = await call<{ templates: Template[]; next: string | null }>("GET", `/admin/templates${query}`);
    return {
      next,
      rows: templates.map((t) => [
        h("a", { href: `#/templates/${encodeURIComponent(t.id)}` }, t.id),
        t.kind,
        t.subject ?? "",
        t.updated_at ? new Date(t.updated_at).toLocaleString() : "",
      ]),
    };
  });
  return h(
    "section",
    {},
    h("h1", {}, "Templates"),
    h("p", {}, h("a", { href: "#/templates/new", class: "button" }, "New template")),
    listing,
  );
}
