// The P2P coordinator in a browser (docs/p2p.md): register hosts, create zones and sessions, and
// join a session's signaling room; two tabs in the same room connect to each other with WebRTC
// (offer, answer and ICE candidates relayed by the coordinator) and talk over a data channel.
import { api, attempt, fill, h, log, memory, say, showError, wsUrl } from "/shared/page.js";

const mem = memory("p2p");
const $ = (id) => document.getElementById(id);

let sessionId = null;
let socket = null;
const links = new Map(); // peer id -> {pc, channel}

const peerId = () => $("peer-id").value.trim();
const key = () => $("api-key").value.trim();
const call = (path, options = {}) => api(path, { ...options, headers: key() ? { "X-API-Key": key() } : {} });

// -- hosts, zones, overview -------------------------------------------------------------------

async function refresh() {
  const [hosts, zones, dash] = await Promise.all([call("api/v1/hosts/"), call("api/v1/zones/"), call("api/v1/monitoring/dashboard")]);
  $("overview").textContent = `${dash.hosts.online} host(s) online · ${dash.zones.enabled} zone(s) · ${dash.sessions.active} active session(s), ${dash.sessions.total_players} player(s)`;
  fill($("hosts").tBodies[0], hosts.map((host) => h("tr", {},
    h("td", {}, host.host_id), h("td", {}, host.status), h("td", {}, host.quality_score.toFixed(1)),
    h("td", {}, h("button", { type: "button", class: "secondary", onclick: (e) => attempt(async () => {
      const beat = await call(`api/v1/hosts/${encodeURIComponent(host.host_id)}/heartbeat`, { method: "POST", body: {} });
      say(`${host.host_id} is alive (quality ${beat.quality_score}).`);
      await refresh();
    }, e.target) }, "Heartbeat")))));
  fill($("zones").tBodies[0], zones.map((zone) => h("tr", {},
    h("td", {}, zone.zone_name, " ", h("code", {}, zone.zone_id)), h("td", {}, zone.status), h("td", {}, zone.p2p_enabled ? "yes" : "no"))));
  const form = $("session-form");
  const keep = [form.host_id.value, form.zone_id.value];
  fill(form.host_id, hosts.filter((x) => x.status === "ONLINE").map((x) => h("option", { value: x.host_id }, x.host_id)));
  fill(form.zone_id, zones.map((z) => h("option", { value: z.zone_id }, z.zone_name)));
  if (keep[0]) form.host_id.value = keep[0];
  if (keep[1]) form.zone_id.value = keep[1];
}

// -- a session --------------------------------------------------------------------------------

async function openSession(id) {
  const session = await call(`api/v1/sessions/${encodeURIComponent(id)}`);
  if (sessionId !== session.session_id) leaveRoom();
  sessionId = session.session_id;
  location.hash = sessionId;
  $("session").hidden = false;
  $("session-id").textContent = sessionId;
  $("session-status").textContent = session.status;
  $("session-players").textContent = `${session.current_players} player(s): ${session.connected_players.join(", ") || "none yet"}`;
  $("activate").hidden = session.status !== "PENDING";
  $("share").href = location.href;
  $("share").textContent = location.href;
}

async function token() {
  if (!key()) return undefined; // authentication is off: no token needed
  return (await call("api/v1/auth/token", { method: "POST", body: { player_id: peerId() } })).access_token;
}

async function joinRoom() {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(peerId())) {
    throw new Error("Your peer id: 1 to 64 letters, digits, . _ : -, starting with a letter or digit.");
  }
  mem.set("peer", peerId());
  leaveRoom();
  const ws = socket = new WebSocket(wsUrl("ws", { peer_id: peerId(), session_id: sessionId, token: await token() }));
  ws.onopen = () => { ws.send(JSON.stringify({ type: "join" })); };
  ws.onmessage = (message) => onSignal(JSON.parse(message.data));
  ws.onclose = (event) => {
    if (socket !== ws) return;
    socket = null;
    roomState(false);
    if (event.code !== 1000) showError(`The signaling connection closed (${event.code}${event.reason ? `: ${event.reason}` : ""}).`);
  };
}

function leaveRoom() {
  for (const link of links.values()) link.pc.close();
  links.clear();
  const ws = socket;
  socket = null;
  if (ws) ws.close(1000);
  roomState(false);
}

function roomState(inRoom, peers = []) {
  $("join").hidden = inRoom;
  $("leave").hidden = !inRoom;
  $("peer-id").disabled = inRoom;
  if (!inRoom) fill("peers", h("li", { class: "muted" }, "Join the room to see who is there."));
  else renderPeers(peers);
}

let present = [];
function renderPeers(peers) {
  present = peers;
  fill("peers", peers.length ? peers.map((peer) => h("li", { class: "row", dataset: { peer } },
    h("strong", {}, peer), h("span", { class: "badge" }, linkState(peer)),
    h("button", { type: "button", class: "secondary", style: "margin-left:auto", onclick: () => attempt(() => connectTo(peer)) }, "Connect")))
    : h("li", { class: "muted" }, "Nobody else yet: open this session in another tab."));
  $("channel-form").hidden = ![...links.values()].some((l) => l.channel && l.channel.readyState === "open");
}

function linkState(peer) {
  const link = links.get(peer);
  if (!link) return "not connected";
  if (link.channel && link.channel.readyState === "open") return "data channel open";
  return link.pc.connectionState;
}

function signal(message) {
  socket.send(JSON.stringify(message));
  log("log", `→ ${message.type}${message.to ? ` to ${message.to}` : ""}`);
}

function onSignal(message) {
  const from = message.from ? ` from ${message.from}` : "";
  if (message.type !== "ice-candidate") log("log", `← ${message.type}${from}${message.message ? `: ${message.message}` : ""}`);
  switch (message.type) {
    case "session-joined": roomState(true, message.peers); say(`You are in the room as ${message.peer_id}.`); break;
    case "peer-joined":
      renderPeers([...present.filter((p) => p !== message.peer_id), message.peer_id]);
      openSession(sessionId).catch(showError); // the newcomer may have been added as a player
      break;
    case "peer-left":
      links.get(message.peer_id)?.pc.close();
      links.delete(message.peer_id);
      renderPeers(present.filter((p) => p !== message.peer_id));
      break;
    case "session-left": roomState(false); break;
    case "session-ended": showError(`The session ended (${message.status}).`); break;
    case "offer": attempt(() => answer(message.from, message.sdp)); break;
    case "answer": attempt(() => links.get(message.from)?.pc.setRemoteDescription({ type: "answer", sdp: message.sdp })); break;
    case "ice-candidate":
      log("log", `← candidate${from}`);
      if (message.candidate) attempt(() => links.get(message.from)?.pc.addIceCandidate({ candidate: message.candidate, sdpMid: "0", sdpMLineIndex: 0 }));
      break;
    case "error": showError(message.message); break;
    default: break;
  }
}

// -- WebRTC -----------------------------------------------------------------------------------

function link(peer) {
  links.get(peer)?.pc.close();
  const pc = new RTCPeerConnection({ iceServers: [] });
  const entry = { pc, channel: null };
  links.set(peer, entry);
  // The protocol carries the candidate line alone; this page negotiates one data channel, so
  // every candidate belongs to its first (and only) media section.
  pc.onicecandidate = (event) => signal({ type: "ice-candidate", to: peer, candidate: event.candidate ? event.candidate.candidate : "" });
  pc.onconnectionstatechange = () => renderPeers(present);
  pc.ondatachannel = (event) => watch(peer, entry, event.channel);
  return entry;
}

function watch(peer, entry, channel) {
  entry.channel = channel;
  channel.onopen = () => { log("log", `data channel with ${peer} open`); renderPeers(present); };
  channel.onclose = () => renderPeers(present);
  channel.onmessage = (event) => log("log", `${peer} says: ${event.data}`);
}

async function connectTo(peer) {
  const entry = link(peer);
  watch(peer, entry, entry.pc.createDataChannel("chat"));
  await entry.pc.setLocalDescription(await entry.pc.createOffer());
  signal({ type: "offer", to: peer, sdp: entry.pc.localDescription.sdp });
}

async function answer(peer, sdp) {
  const entry = link(peer);
  await entry.pc.setRemoteDescription({ type: "offer", sdp });
  await entry.pc.setLocalDescription(await entry.pc.createAnswer());
  signal({ type: "answer", to: peer, sdp: entry.pc.localDescription.sdp });
  renderPeers(present);
}

// -- forms ------------------------------------------------------------------------------------

const number = (value) => (value === "" ? undefined : Number(value));

$("host-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const f = event.target;
  attempt(async () => {
    await call("api/v1/hosts/", { method: "POST", body: {
      host_id: f.host_id.value.trim(), player_id: peerId(), player_name: f.player_name.value,
      ip_address: f.ip_address.value.trim(), port: number(f.port.value), max_players: number(f.max_players.value),
      cpu_cores: navigator.hardwareConcurrency || 1, cpu_frequency_mhz: 3000, memory_mb: 8192, network_speed_mbps: 100,
    } });
    say(`Host ${f.host_id.value} registered: send a heartbeat at least every 60 s to keep it online.`);
    await refresh();
  }, f.querySelector("button"));
});

$("zone-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const f = event.target;
  attempt(async () => {
    await call("api/v1/zones/", { method: "POST", body: { zone_id: f.zone_id.value.trim(), zone_name: f.zone_name.value, max_players: number(f.max_players.value) } });
    say(`Zone ${f.zone_id.value} created.`);
    await refresh();
  }, f.querySelector("button"));
});

$("session-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const f = event.target;
  attempt(async () => {
    const session = await call("api/v1/sessions/", { method: "POST", body: { host_id: f.host_id.value, zone_id: f.zone_id.value } });
    say(`Session ${session.session_id} created.`);
    await openSession(session.session_id);
  }, f.querySelector("button"));
});

$("open-form").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt(() => openSession(event.target.session_id.value.trim()), event.target.querySelector("button"));
});

$("activate").addEventListener("click", (e) => attempt(async () => {
  await call(`api/v1/sessions/${sessionId}/activate`, { method: "POST" });
  await openSession(sessionId);
}, e.target));
$("add-me").addEventListener("click", (e) => attempt(async () => {
  say((await call(`api/v1/sessions/${sessionId}/players`, { method: "POST", body: { player_id: peerId() } })).message);
  await openSession(sessionId);
}, e.target));
$("join").addEventListener("click", (e) => attempt(joinRoom, e.target));
$("leave").addEventListener("click", () => { if (socket) socket.send(JSON.stringify({ type: "leave" })); });
$("refresh").addEventListener("click", (e) => attempt(refresh, e.target));
$("channel-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("channel-message").value;
  for (const [peer, entry] of links) {
    if (entry.channel && entry.channel.readyState === "open") {
      entry.channel.send(text);
      log("log", `you to ${peer}: ${text}`);
    }
  }
  $("channel-message").value = "";
});

$("peer-id").value = mem.get("peer") || `peer-${Math.random().toString(36).slice(2, 8)}`;
$("host-form").host_id.value = `host-${peerId().replace(/^peer-/, "")}`;
attempt(async () => {
  await refresh();
  if (location.hash.length > 1) await openSession(decodeURIComponent(location.hash.slice(1)));
});
setInterval(() => refresh().catch(showError), 15000);
