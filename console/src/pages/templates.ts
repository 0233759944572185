// Templates: every email, layout and partial, with its subject and last upload.
import { h } from "../dom";
import { pagedTable } from "../listing";

interface Template {
  id: string;
  kind: string;
  subject: string | null;
  updated_at: string | null;
}

export async function templatesPage(): Promise<HTMLElement> {
  const listing = await pagedTable<Template>(
    ["Template", "Kind", "Subject", "Last upload"],
    "Templates",
    "/admin/templates",
    "templates",
    (t) => [
      h("a", { href: `#/templates/${encodeURIComponent(t.id)}` }, t.id),
      t.kind,
      t.subject ?? "",
      t.updated_at ? new Date(t.updated_at).toLocaleString() : "",
    ],
  );
  return h(
    "section",
    {},
    h("h1", {}, "Templates"),
    h("p", {}, h("a", { href: "#/templates/new", class: "button" }, "New template")),
    listing,
  );
}
