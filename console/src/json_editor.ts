// A JSON document in CodeMirror 6 that knows its JSON Schema (completion, hover docs, errors as you
// type), and the API's 422 problems shown at their JSON Pointer: the workflow and scoring editors.
import { setDiagnostics, type Diagnostic } from "@codemirror/lint";
import type { EditorState } from "@codemirror/state";
import { basicSetup, EditorView } from "codemirror";
import { getJsonPointers, jsonSchema } from "codemirror-json-schema";
import type { Problem } from "./api";
import { h } from "./dom";

/** Where ``pointer`` is in the document: the name of the property it points to, or of the nearest one
 * above it that exists (a missing property's pointer names where it should have been). */
function rangeOf(state: EditorState, pointer: string): { from: number; to: number } {
  const pointers = getJsonPointers(state, "json4");
  let at = pointer;
  for (;;) {
    const found = pointers.get(at);
    if (found) return { from: found.keyFrom, to: found.keyTo }; // the property's name, as editors mark it
    if (at === "" || !at.includes("/")) return { from: 0, to: Math.min(1, state.doc.length) };
    at = at.slice(0, at.lastIndexOf("/"));
  }
}

export interface JsonEditor {
  view: EditorView;
  holder: HTMLElement;
  problems: HTMLElement; // the list of the last problems, each a button to its place
  showProblems(list: Problem[]): void;
  /** The document, parsed; undefined (and the parse error shown) when it is not JSON. */
  body(): unknown | undefined;
}

export function jsonEditor(options: {
  schema: Record<string, unknown>;
  document: unknown;
  editable: boolean;
  label: string;
}): JsonEditor {
  const holder = h("div", { class: "editor" });
  const view = new EditorView({
    doc: JSON.stringify(options.document, null, 2),
    extensions: [
      basicSetup,
      jsonSchema(options.schema),
      EditorView.editable.of(options.editable),
      EditorView.contentAttributes.of({ "aria-label": options.label, tabindex: "0" }),
    ],
    parent: holder,
  });
  const problems = h("ol", { id: "problems", "aria-live": "polite", class: "problems" });

  function showProblems(list: Problem[]): void {
    const diagnostics: Diagnostic[] = list.map((problem) => ({
      ...rangeOf(view.state, problem.pointer ?? ""),
      severity: "error",
      message: problem.message,
      source: problem.pointer,
    }));
    view.dispatch(setDiagnostics(view.state, diagnostics));
    problems.replaceChildren(
      ...list.map((problem, index) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "link",
              onclick: () => {
                view.dispatch({ selection: { anchor: diagnostics[index].from }, scrollIntoView: true });
                view.focus();
              },
            },
            h("code", {}, problem.pointer ?? problem.field ?? "(document)"),
          ),
          ` ${problem.message}`,
        ),
      ),
    );
  }

  function body(): unknown | undefined {
    try {
      return JSON.parse(view.state.doc.toString());
    } catch (error) {
      showProblems([{ pointer: "", message: `not valid JSON: ${(error as Error).message}` }]);
      return undefined;
    }
  }

  return { view, holder, problems, showProblems, body };
}
