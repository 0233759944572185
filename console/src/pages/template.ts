// One template: subject, HTML and text in Jinja2, its kind; saving shows the upload checks' refusals
// (each next to its field) and warnings; a preview as a stored contact or sample data.
import { ApiError, call, describe, may, type Problem, type Session } from "../api";
import { h } from "../dom";
import { previewPanel } from "../preview";

interface Template {
  subject: string;
  html: string;
  text: string | null;
  kind: "email" | "layout" | "partial";
  warnings?: string[];
}

export async function templatePage(session: Session, [id]: string[]): Promise<HTMLElement> {
  const creating = id === "new";
  const stored = creating
    ? { subject: "", html: "<p>Hello {{ contact.first_name or 'there' }}</p>", text: null, kind: "email" as const }
    : await call<Template>("GET", `/admin/templates/${encodeURIComponent(id)}`);
  const field = (name: string, control: HTMLElement, label: string): HTMLElement =>
    h("p", { class: "field" }, h("label", { for: `template-${name}` }, label), control, h("span", { id: `template-${name}-problem`, class: "problem" }));
  const templateId = h("input", { id: "template-id", type: "text", value: creating ? "" : id, required: true, disabled: !creating });
  const kind = h(
    "select",
    { id: "template-kind" },
    ...["email", "layout", "partial"].map((k) => h("option", { value: k, selected: stored.kind === k }, k)),
  );
  const subject = h("input", { id: "template-subject", type: "text", value: stored.subject, size: 80 });
  const html = h("textarea", { id: "template-html", rows: 14, cols: 100, spellcheck: false });
  html.value = stored.html;
  const text = h("textarea", { id: "template-text", rows: 6, cols: 100, placeholder: "derived from the HTML when empty" });
  text.value = stored.text ?? "";
  const status = h("p", { role: "status", "aria-live": "polite" });
  const warnings = h("ul", { class: "warnings", "aria-label": "Warnings" });
  const problem = h("p", { role: "alert" });

  function showProblems(list: Problem[]): void {
    for (const span of document.querySelectorAll<HTMLElement>(".field .problem")) span.textContent = "";
    const elsewhere: string[] = [];
    for (const item of list) {
      const name = (item.field ?? "").split(/[./]/)[0];
      const span = document.getElementById(`template-${name}-problem`);
      if (span) span.textContent = item.message;
      else elsewhere.push(`${item.field ?? ""}: ${item.message}`);
    }
    problem.textContent = elsewhere.join("; ");
  }

  async function save(event: Event): Promise<void> {
    event.preventDefault();
    status.textContent = "";
    warnings.replaceChildren();
    showProblems([]);
    const target = creating ? templateId.value.trim() : id;
    const body: Record<string, unknown> = { subject: subject.value, html: html.value, kind: kind.value };
    if (text.value.trim()) body.text = text.value;
    try {
      const saved = await call<Template>("PUT", `/admin/templates/${encodeURIComponent(target)}`, body);
      status.textContent = `Saved ${target}.`;
      warnings.replaceChildren(...(saved.warnings ?? []).map((w) => h("li", {}, w)));
      if (creating) history.replaceState(null, "", `#/templates/${encodeURIComponent(target)}`);
    } catch (error) {
      if (error instanceof ApiError && error.details.length) showProblems(error.details);
      else problem.textContent = describe(error);
    }
  }

  const editable = may(session, "PUT /admin/templates/{id}");
  return h(
    "section",
    {},
    h("h1", {}, creating ? "New template" : `Template ${id}`),
    h(
      "form",
      { onsubmit: save },
      field("id", templateId, "Id"),
      field("kind", kind, "Kind"),
      field("subject", subject, "Subject"),
      field("html", html, "HTML (Jinja2)"),
      field("text", text, "Text (Jinja2)"),
      editable ? h("button", { type: "submit" }, "Save") : null,
    ),
    status,
    warnings,
    problem,
    // An email template previews as itself; layouts and partials are previewed through an email.
    !creating && stored.kind === "email" && may(session, "POST /admin/templates/{id}/preview")
      ? previewPanel([{ label: id, template: id }], "Template")
      : null,
  );
}
