// An email rendered by the API for a stored contact or sample data, shown in a sandboxed frame at
// desktop or mobile width: on a workflow's page (each email step) and on a template's own page.
import { call, describe } from "./api";
import { h } from "./dom";

export function previewPanel(choices: { label: string; template: string }[], what: string): HTMLElement {
  const choice = h("select", { id: "preview-step" }, ...choices.map((c) => h("option", { value: c.template }, c.label)));
  const contact = h("input", { id: "preview-contact", type: "text", placeholder: "an email or contact id; empty: sample data" });
  const width = h("select", { id: "preview-width" }, h("option", { value: "800" }, "desktop"), h("option", { value: "375" }, "mobile"));
  const subject = h("p", { class: "subject" });
  const frame = h("iframe", { title: "Email preview", sandbox: "", width: "800", height: "500" });
  const problem = h("p", { role: "alert" });
  width.addEventListener("change", () => frame.setAttribute("width", width.value));
  async function preview(event: Event): Promise<void> {
    event.preventDefault();
    problem.textContent = "";
    const who = contact.value.trim();
    const body = who ? { contact_id: who } : { contact: { email: "sample@example.com", first_name: "Sam" } };
    try {
      const email = await call<{ subject: string; html: string }>(
        "POST",
        `/admin/templates/${encodeURIComponent(choice.value)}/preview`,
        body,
      );
      subject.textContent = `Subject: ${email.subject}`;
      frame.srcdoc = email.html; // sandboxed with no permissions: no script, no navigation, no forms
    } catch (error) {
      problem.textContent = describe(error);
    }
  }
  return h(
    "section",
    { "aria-label": "Preview" },
    h("h2", {}, "Preview"),
    h(
      "form",
      { class: "filters", onsubmit: preview },
      h("label", { for: "preview-step" }, what),
      choice,
      h("label", { for: "preview-contact" }, "Contact"),
      contact,
      h("label", { for: "preview-width" }, "Width"),
      width,
      h("button", { type: "submit" }, "Preview"),
    ),
    problem,
    subject,
    frame,
  );
}
