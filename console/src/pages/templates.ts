// Templates: every email, layout and partial, with its subject and last upload.
import { call } from "../api";
import { h, table } from "../dom";

interface Template {
  id: string;
  kind: string;
  subject: string | null;
  updated_at: string | null;
}

export async function templatesPage(): Promise<HTMLElement> {
  const { templates } = await call<{ templates: Template[] }>("GET", "/admin/templates");
  return h(
    "section",
    {},
    h("h1", {}, "Templates"),
    h("p", {}, h("a", { href: "#/templates/new", class: "button" }, "New template")),
    table(
      ["Template", "Kind", "Subject", "Last upload"],
      templates.map((t) => [
        h("a", { href: `#/templates/${encodeURIComponent(t.id)}` }, t.id),
        t.kind,
        t.subject ?? "",
        t.updated_at ? new Date(t.updated_at).toLocaleString() : "",
      ]),
      `${templates.length} templates`,
    ),
  );
}
