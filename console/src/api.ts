// The admin API as the console calls it: the same routes, roles and errors as any other client.
import type { SignIn } from "./people";

export interface Problem {
  field?: string;
  pointer?: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Problem[],
  ) {
    super(message);
  }
}

type Role = "marketer" | "finance" | "admin";

export interface Session {
  role: Role;
  roles: Role[];
  may: string[];
  now: string; // the stack's clock (UTC): the local stack's is virtual, and may be days ahead
}

export interface Config {
  apiUrl: string;
  signIn?: SignIn; // absent: role tokens only
  local?: { demoShop: string }; // only from the local stack: its demo shop page, with the clock
}

const TOKEN = "nurtureflow.token";
const PERSON = "nurtureflow.person"; // set when the token came from the sign-in page
let config: Config | undefined;

export async function settings(): Promise<Config> {
  if (!config) {
    // Written beside the console by whoever serves it: the local stack, or `cdk deploy`.
    const answer = await fetch("config.json", { cache: "no-store" });
    if (!answer.ok) throw new ApiError(answer.status, "no_config", "the console has no config.json", []);
    config = (await answer.json()) as Config;
  }
  return config;
}

async function apiUrl(): Promise<string> {
  return (await settings()).apiUrl.replace(/\/$/, "");
}

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN),
  set: (value: string, person = false): void => {
    sessionStorage.setItem(TOKEN, value);
    if (person) sessionStorage.setItem(PERSON, "1");
    else sessionStorage.removeItem(PERSON);
  },
  isPerson: (): boolean => sessionStorage.getItem(PERSON) === "1",
  clear: (): void => {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(PERSON);
  },
};

export async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  accept = "application/json",
): Promise<T> {
  const headers: Record<string, string> = { Accept: accept };
  const bearer = token.get();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const answer = await fetch(`${await apiUrl()}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  if (!answer.ok) {
    let error: { error?: string; message?: string; details?: Problem[] } = {};
    try {
      error = await answer.json();
    } catch {
      // not JSON: a gateway's own answer
    }
    throw new ApiError(answer.status, error.error ?? "error", error.message ?? answer.statusText, error.details ?? []);
  }
  if (accept !== "application/json") return (await answer.text()) as T;
  return (await answer.json()) as T;
}

/** What to show for a failed call: each problem with the field or pointer it names, else the
 * API's message (or, for no answer at all, what the browser said). */
export function describe(error: unknown): string {
  if (!(error instanceof ApiError)) return String(error);
  const fields = error.details.map((d) => `${d.field ?? d.pointer}: ${d.message}`).join("; ");
  return fields || error.message;
}

/** May this session call ``operation`` ("METHOD /admin/path", as the route table writes it)? */
export const may = (session: Session, operation: string): boolean => session.may.includes(operation);
