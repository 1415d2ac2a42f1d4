// The dashboard page: asks for the token, opens /dashboard/ws, and draws every update it is
// pushed. Read-only. Every value from the server is put in the page as text (textContent),
// never as markup: member names and crash reasons come from users and apps.
"use strict";

const TOKEN_KEY = "party-engine-dashboard-token";
const UNAUTHORIZED = 4401;
const $ = (id) => document.getElementById(id);
// Supervisors the viewer folded: kept across updates, which redraw the tree.
const folded = new Set();
let retryDelay = 1000;

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child !== null) node.append(child);
  return node;
}

function row(cells, numeric = []) {
  return element("tr", {}, ...cells.map((cell, index) =>
    cell instanceof Node ? element("td", {}, cell)
      : element("td", { text: cell ?? "–", class: numeric.includes(index) ? "number" : "" })));
}

function head(names, numeric = []) {
  return element("thead", {}, element("tr", {}, ...names.map((name, index) =>
    element("th", { text: name, class: numeric.includes(index) ? "number" : "" }))));
}

function number(value, digits = 0) {
  return value === null || value === undefined ? "–" : Number(value).toFixed(digits);
}

function seconds(value) {
  if (value === null || value === undefined) return "–";
  return value < 1 ? `${(value * 1000).toFixed(value < 0.01 ? 2 : 1)} ms` : `${value.toFixed(2)} s`;
}

function crash(last) {
  if (!last) return null;
  return element("div", { class: "crash", text: `${last.reason} (${last.child}, ${last.ago} s ago)` });
}

function setStatus(text, state) {
  const status = $("status");
  status.textContent = text;
  status.className = `status ${state}`;
}

function figure(label, value) {
  return element("div", { class: "figure" },
    element("span", { class: "value", text: value }), element("span", { class: "label", text: label }));
}

function drawFigures(update) {
  const open = update.connections.routes.reduce((sum, route) => sum + route.open, 0);
  const parties = update.apps.reduce((sum, app) => sum + app.parties, 0);
  $("figures").replaceChildren(
    figure("messages in / s", number(update.messages.in_per_second, 1)),
    figure("messages out / s", number(update.messages.out_per_second, 1)),
    figure("open connections", String(open)),
    figure("parties", String(parties)),
    figure("HTTP requests / s", number(update.http.requests_per_second, 1)),
    figure("HTTP errors / s", number(update.http.errors_per_second, 1)),
    figure("commit latency p50", seconds(update.store.latency_p50)),
    figure("commit latency p99", seconds(update.store.latency_p99)),
  );
}

function drawApps(apps) {
  $("apps").replaceChildren(...apps.map((app) => {
    const title = element("h3", { text: app.name },
      app.up ? null : element("span", { class: "down-app", text: " (down: being set up again)" }));
    const note = element("p", { class: "note",
      text: `${app.parties} part${app.parties === 1 ? "y" : "ies"}` +
        (app.shown.length < app.parties ? `, the first ${app.shown.length} shown` : "") +
        (app.restarts ? `; app set up again ${app.restarts} time(s)` : "") });
    if (!app.shown.length) return element("div", { "data-app": app.name }, title, note);
    const body = element("tbody", {}, ...app.shown.map((party) => {
      const members = party.members.join(", ") +
        (party.member_count > party.members.length ? ` and ${party.member_count - party.members.length} more` : "");
      const tr = row([party.id, party.kind, element("span", { class: "members", text: members || "nobody" }),
        String(party.connections), String(party.mailbox_depth), String(party.restarts),
        String(party.crashes), crash(party.last_crash)], [3, 4, 5, 6]);
      tr.dataset.party = party.id;
      return tr;
    }));
    const columns = head(["party", "kind", "members", "conn.", "mailbox", "restarts", "crashes",
      "last crash"], [3, 4, 5, 6]);
    return element("div", { "data-app": app.name }, title, note,
      element("div", { class: "scroll" }, element("table", { class: "parties" }, columns, body)));
  }));
}

function drawRoutes(connections) {
  $("routes").tBodies[0].replaceChildren(...connections.routes.map((route) =>
    row([route.route, String(route.open), String(route.opened), String(route.messages_in),
      String(route.messages_out)], [1, 2, 3, 4])));
  const refused = Object.entries(connections.refused).map(([cause, count]) => `${cause} ${count}`);
  $("refusals").textContent = `Upgrades refused: ${refused.join(", ") || "none"}. ` +
    `Messages refused by a rate limit: ${connections.rate_limited}. ` +
    `Frames dropped (slow consumers): ${connections.dropped}.`;
}

function drawSupervisor(node) {
  const details = element("details", { "data-supervisor": node.id });
  details.open = !folded.has(node.id);
  details.addEventListener("toggle", () => {
    if (details.open) folded.delete(node.id); else folded.add(node.id);
  });
  const meta = `${node.strategy}, restarts ${node.restarts}, crashes ${node.crashes}` +
    (node.failed_children ? `, ${node.failed_children} stopped for good` : "");
  details.append(element("summary", {}, element("strong", { text: node.id }),
    element("span", { class: "meta", text: meta })));
  if (node.last_crash) details.append(crash(node.last_crash));
  if (node.actors.length) {
    const columns = head(["actor class", "count", "running", "mailbox (max)", "restarts", "crashes",
      "last crash"], [1, 2, 3, 4, 5]);
    const body = element("tbody", {}, ...node.actors.map((kind) => {
      const tr = row([kind.kind, String(kind.count), String(kind.running),
        `${kind.mailbox_depth} (${kind.mailbox_max})`, String(kind.restarts), String(kind.crashes),
        crash(kind.last_crash)], [1, 2, 3, 4, 5]);
      tr.dataset.kind = kind.kind;
      return tr;
    }));
    details.append(element("div", { class: "scroll" }, element("table", {}, columns, body)));
  }
  for (const child of node.supervisors) details.append(drawSupervisor(child));
  return details;
}

function drawDetails(update) {
  const { http, store } = update;
  const entries = (values) => Object.entries(values).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  $("details").tBodies[0].replaceChildren(
    row(["HTTP requests", entries(http.requests)]),
    row(["HTTP errors", entries(http.errors)]),
    row(["HTTP rate-limited", String(http.rate_limited)]),
    row(["store commits", `${store.commits} (${number(store.commits_per_second, 1)} / s)`]),
    row(["store queue", String(store.queue_depth)]),
    row(["commit latency", `mean ${seconds(store.latency_mean)}, last ${seconds(store.latency_last)}, ` +
      `p50 ≤ ${seconds(store.latency_p50)}, p99 ≤ ${seconds(store.latency_p99)}`]),
  );
}

function draw(update) {
  drawFigures(update);
  drawApps(update.apps);
  drawRoutes(update.connections);
  $("tree").replaceChildren(drawSupervisor(update.tree));
  drawDetails(update);
  setStatus(`live, up ${Math.floor(update.uptime)} s`, "live");
}

function askForToken(message) {
  $("board").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  setStatus("locked", "down");
  $("token").focus();
}

function connect(token) {
  $("login").hidden = true;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}/dashboard/ws`);
  socket.onopen = () => socket.send(JSON.stringify({ token }));
  socket.onmessage = (event) => {
    const update = JSON.parse(event.data);
    if (update.type !== "update") return;
    retryDelay = 1000;
    $("board").hidden = false;
    draw(update);
  };
  socket.onclose = (event) => {
    if (event.code === UNAUTHORIZED) {
      sessionStorage.removeItem(TOKEN_KEY);
      askForToken("That token was refused.");
      return;
    }
    setStatus(`disconnected; trying again in ${retryDelay / 1000} s`, "down");
    setTimeout(() => connect(token), retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  };
}

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = $("token").value.trim();
  sessionStorage.setItem(TOKEN_KEY, token);
  $("token").value = "";
  connect(token);
});

// A link may carry the token in its fragment (#token=...), which browsers never send to the
// server: kept for this tab, then taken out of the address bar and the history.
const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromLink) {
  sessionStorage.setItem(TOKEN_KEY, fromLink);
  history.replaceState(null, "", location.pathname + location.search);
}
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) connect(saved); else askForToken("");
