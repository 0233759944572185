// The console's shell: sign-in, the navigation the role allows, and a hash router over the pages.
import "./style.css";
import { ApiError, call, may, settings, token, type Config, type Session } from "./api";
import { h } from "./dom";
import { broadcastsPage } from "./pages/broadcasts";
import { contactsPage } from "./pages/contacts";
import { costsPage } from "./pages/costs";
import { signInPage } from "./pages/signin";
import { finishSignIn, signOutUrl } from "./people";
import { templatePage } from "./pages/template";
import { templatesPage } from "./pages/templates";
import { workflowsPage } from "./pages/workflows";

export type Page = (session: Session, params: string[]) => Promise<HTMLElement>;

interface Section {
  path: RegExp;
  title: string;
  needs: string; // the operation the page is built on: hidden from roles that may not call it
  page?: Page;
  load?: () => Promise<Page>; // a page loaded only when it is opened
  inNav?: string;
}

const SECTIONS: Section[] = [
  { path: /^workflows$/, title: "Workflows", needs: "GET /admin/workflows", page: workflowsPage, inNav: "#/workflows" },
  {
    path: /^workflows\/([^/]+)$/,
    title: "Workflow",
    needs: "GET /admin/workflows",
    // The editor (CodeMirror and the schema support) loads only when a workflow is opened.
    load: async () => (await import("./pages/editor")).editorPage,
  },
  { path: /^templates$/, title: "Templates", needs: "GET /admin/templates", page: templatesPage, inNav: "#/templates" },
  { path: /^templates\/([^/]+)$/, title: "Template", needs: "GET /admin/templates/{id}", page: templatePage },
  { path: /^broadcasts$/, title: "Broadcasts", needs: "POST /admin/broadcasts", page: broadcastsPage, inNav: "#/broadcasts" },
  { path: /^costs$/, title: "Costs", needs: "GET /admin/costs", page: costsPage, inNav: "#/costs" },
  {
    path: /^scoring$/,
    title: "Scoring",
    needs: "GET /admin/scoring",
    load: async () => (await import("./pages/scoring")).scoringPage,
    inNav: "#/scoring",
  },
  { path: /^contacts$/, title: "Contacts", needs: "GET /admin/contacts/{id}", page: contactsPage, inNav: "#/contacts" },
];

let session: Session | undefined;
let refused = ""; // why the API turned the last token away (a person in none of the groups)
const main = document.getElementById("main") as HTMLElement;

async function currentSession(): Promise<Session | undefined> {
  if (session) return session;
  if (!token.get()) return undefined;
  try {
    session = await call<Session>("GET", "/admin/session");
    return session;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      token.clear();
      refused = error.status === 403 ? error.message : "";
    } else throw error;
    return undefined;
  }
}

function drawNav(current: Session | undefined, local: Config["local"]): void {
  const nav = document.getElementById("nav") as HTMLElement;
  const who = document.getElementById("who") as HTMLElement;
  nav.replaceChildren();
  who.replaceChildren();
  if (!current) return;
  const here = location.hash;
  for (const section of SECTIONS) {
    if (!section.inNav || !may(current, section.needs)) continue;
    const active = here.startsWith(section.inNav);
    nav.append(h("a", { href: section.inNav, "aria-current": active ? "page" : undefined }, section.title));
  }
  if (local) {
    // The local stack's own page (a website using the tracker, and the clock): not the admin API.
    nav.append(h("a", { href: local.demoShop, class: "local" }, "Demo shop and clock (local)"));
  }
  who.append(
    `Signed in as ${current.roles.join(" and ")}`,
    " ",
    h("button", { type: "button", onclick: signOut }, "Sign out"),
  );
}

async function signOut(): Promise<void> {
  const person = token.isPerson();
  token.clear();
  session = undefined;
  const signIn = (await settings()).signIn;
  if (person && signIn) location.assign(signOutUrl(signIn)); // the sign-in page forgets them too
  else location.hash = "#/sign-in";
}

/** Where a role starts: the costs for whoever reads them but edits no workflow (finance). */
function home(current: Session): string {
  return may(current, "GET /admin/costs") && !may(current, "PUT /admin/workflows/{id}") ? "#/costs" : "#/workflows";
}

export function signedIn(next: Session): void {
  session = next;
  location.hash = home(next);
}

/** Back from the sign-in page with a code: exchange it for the person's token. */
async function arrive(): Promise<string> {
  const signIn = (await settings()).signIn;
  if (!signIn) return "";
  try {
    const access = await finishSignIn(signIn);
    if (access) token.set(access, true);
    return "";
  } catch (error) {
    return `The sign-in did not complete: ${error instanceof Error ? error.message : String(error)}`;
  }
}

let arrived: Promise<string> | undefined;
let navigation = 0; // which route() is the latest: an earlier, slower one must not draw over it

async function route(): Promise<void> {
  const mine = ++navigation;
  const isLatest = (): boolean => mine === navigation;
  arrived ??= arrive();
  const problem = await arrived;
  const path = location.hash.replace(/^#\/?/, "");
  const current = await currentSession().catch((error: unknown) => {
    main.replaceChildren(h("p", { role: "alert" }, `The API did not answer: ${String(error)}`));
    return undefined;
  });
  drawNav(current, (await settings().catch(() => undefined))?.local);
  if (!current) {
    document.title = "Sign in · NurtureFlow";
    const signIn = await signInPage(signedIn, problem || refused);
    if (isLatest()) main.replaceChildren(signIn);
    return;
  }
  const section = SECTIONS.find((s) => s.path.test(path));
  if (!section) {
    location.hash = home(current);
    return;
  }
  document.title = `${section.title} · NurtureFlow`;
  if (!may(current, section.needs)) {
    main.replaceChildren(
      h("h1", {}, section.title),
      h("p", { role: "alert" }, `The ${current.role} role may not see this page.`),
    );
    return;
  }
  const params = (section.path.exec(path) ?? []).slice(1).map(decodeURIComponent);
  main.replaceChildren(h("p", { "aria-busy": "true" }, "Loading…"));
  try {
    const page = section.page ?? (await (section.load as () => Promise<Page>)());
    const drawn = await page(current, params);
    if (!isLatest()) return; // the person has moved on while this page loaded
    main.replaceChildren(drawn);
  } catch (error) {
    const message = error instanceof ApiError ? `${error.status} ${error.code}: ${error.message}` : String(error);
    if (!isLatest()) return;
    main.replaceChildren(h("h1", {}, section.title), h("p", { role: "alert" }, message));
  }
  main.focus();
}

window.addEventListener("hashchange", () => void route());
void route();
