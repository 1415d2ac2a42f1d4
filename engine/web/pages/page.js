// What every playable page shares: where the app's API is, requests and their errors in
// words a person reads, WebSocket URLs, a tiny DOM builder and per-tab memory.
// Served by the engine at /shared/page.js; pages import it as an ES module (no build step).

// A page is served at <app prefix>/play/, so the app's routes are one level up: this works for
// an app under /<name>/ and for one served alone at the root.
export const apiBase = new URL("../", location.href);

/** An app's refusal: `status` and the sentence to show. */
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** The sentence in an error body, whichever of the engine's formats the app speaks:
 * {"detail": "..."}, {"detail": [{loc, msg}]}, {"error", "message", "details"}. */
export function describeError(body, fallback) {
  if (body && typeof body === "object") {
    if (typeof body.detail === "string") return body.detail;
    if (Array.isArray(body.detail)) {
      return body.detail.map((p) => `${(p.loc || []).slice(1).join(".") || "body"}: ${p.msg}`).join("; ");
    }
    if (typeof body.message === "string" || typeof body.error === "string") {
      const fields = body.details && typeof body.details === "object"
        ? Object.entries(body.details).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
        : [];
      return [body.message || body.error, ...fields].join("; ");
    }
  }
  return fallback;
}

/** `method path` on the app's API with a JSON body; the parsed answer, or an ApiError. */
export async function api(path, { method = "GET", body, token, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (token) init.headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(new URL(path, apiBase), init);
  } catch (err) {
    throw new ApiError(0, "The server cannot be reached; check the connection and try again.");
  }
  const text = await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
  if (!response.ok) {
    throw new ApiError(response.status, describeError(parsed, `${response.status} ${response.statusText}`), parsed);
  }
  return parsed;
}

/** The ws:// (or wss://) URL of `path` on the app, with `params` as its query. */
export function wsUrl(path, params = {}) {
  const url = new URL(path, apiBase);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
  }
  return url.href;
}

/** h("button", {class: "x", onclick}, "text", child...): an element. Attributes starting with
 * "on" are listeners, "dataset" an object of data-*; null/false children are skipped. */
export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Replace the children of the element `id` with `children`. */
export function fill(id, ...children) {
  const node = typeof id === "string" ? document.getElementById(id) : id;
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** The status line (an element with id "status", role="status"): an error, a notice, or
 * nothing. Errors stay until the next message; notices too. */
export function say(message, kind = "info") {
  const node = document.getElementById("status");
  node.className = `status ${kind}`;
  node.setAttribute("role", kind === "error" ? "alert" : "status");
  node.textContent = message || "";
}

export const showError = (err) => say(err instanceof Error ? err.message : String(err), "error");

/** Run `action` (an async function) for a control: errors are shown, the control is disabled
 * meanwhile so a double click does not send twice. */
export async function attempt(action, control) {
  if (control) control.disabled = true;
  try {
    return await action();
  } catch (err) {
    showError(err);
    return undefined;
  } finally {
    if (control) control.disabled = false;
  }
}

/** What this tab remembers across a reload (sessionStorage: each tab is its own player). */
export function memory(app) {
  const key = (name) => `party-engine.${app}.${name}`;
  return {
    get(name) {
      const raw = sessionStorage.getItem(key(name));
      return raw === null ? null : JSON.parse(raw);
    },
    set(name, value) { sessionStorage.setItem(key(name), JSON.stringify(value)); },
    forget(name) { sessionStorage.removeItem(key(name)); },
  };
}

/** Append a line to a log list (an <ol>), newest last, keeping the last `keep`. */
export function log(id, text, keep = 200) {
  const list = document.getElementById(id);
  list.append(h("li", {}, `${new Date().toLocaleTimeString()} · ${text}`));
  while (list.children.length > keep) list.firstChild.remove();
  list.scrollTop = list.scrollHeight;
}

/** Whether a key event should be left alone (the person is typing in a field). */
export function typing(event) {
  const target = event.target;
  return event.ctrlKey || event.metaKey || event.altKey
    || (target instanceof HTMLElement && target.closest("input, textarea, select") !== null);
}
