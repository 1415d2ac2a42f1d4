// WatchParty in a browser: create or join a session over HTTP, then chat, see who is there and
// follow the host's playback over the session's WebSocket (docs/watchparty.md). The host's
// controls drive everyone's position; the tab keeps its token, so a reload takes the same seat.
import { api, attempt, fill, h, memory, say, showError, typing, wsUrl } from "/shared/page.js";

const mem = memory("watchparty");
const $ = (id) => document.getElementById(id);

let seat = mem.get("seat"); // {id, name, token}
let me = null;              // the token's claims: user_id, username, is_host
let socket = null;
let retries = 0;
// The shared playback: `position` seconds at `at` (performance.now()), moving while playing.
const playback = { playing: false, position: 0, at: performance.now(), known: false };
const names = new Map();    // user id -> name, as learned from the token, joins and chat
let present = [];           // user ids holding a seat (the session's details)

// -- time --------------------------------------------------------------------------------

function now() {
  return playback.playing ? playback.position + (performance.now() - playback.at) / 1000 : playback.position;
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const rest = `${Math.floor((s % 3600) / 60)}`.padStart(hours ? 2 : 1, "0") + ":" + `${s % 60}`.padStart(2, "0");
  return hours ? `${hours}:${rest}` : rest;
}

function parseClock(text) {
  const parts = text.trim().split(":").map(Number);
  if (!parts.length || parts.some((p) => !Number.isFinite(p) || p < 0)) return null;
  return parts.reduce((total, part) => total * 60 + part, 0);
}

function tick() {
  const position = now();
  $("position").textContent = clock(position);
  $("position").dataset.seconds = position.toFixed(1);
  $("progress").value = position % 3600;
  requestAnimationFrame(tick);
}

// -- the session --------------------------------------------------------------------------

/** The token's claims (who you are; the server checks the signature, the page only reads). */
function claims(token) {
  const payload = atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(payload, (c) => c.charCodeAt(0))));
}

function enter(newSeat) {
  seat = newSeat;
  mem.set("seat", seat);
  me = claims(seat.token);
  names.set(me.user_id, me.username);
  document.body.dataset.view = "session";
  $("start").hidden = true;
  $("session").hidden = false;
  $("session-name").textContent = seat.name;
  $("who").textContent = `You are ${me.username}`;
  $("role").textContent = me.is_host ? "host" : "guest";
  $("host-controls").hidden = !me.is_host;
  $("playback-help").textContent = me.is_host
    ? "You drive everyone's playback. Keys: Space plays or pauses, ← and → move 10 s."
    : "The host drives the playback; your position follows theirs.";
  const share = new URL(location.href);
  share.hash = seat.id;
  $("share").href = share.href;
  $("share").textContent = share.href;
  connect();
  refreshParticipants();
}

function leave() {
  const old = socket;
  socket = null;
  if (old) old.close(1000);
  seat = null;
  mem.forget("seat");
  location.hash = "";
  document.body.dataset.view = "start";
  $("start").hidden = false;
  $("session").hidden = true;
  $("who").textContent = "";
  connection("not connected");
  fill("chat");
  fill("participants");
  Object.assign(playback, { playing: false, position: 0, at: performance.now(), known: false });
}

function connection(text, kind = "") {
  $("connection").textContent = text;
  $("connection").className = `badge ${kind}`;
}

function connect() {
  connection("connecting…");
  fill("chat"); // the server sends the history again on every connection
  const ws = socket = new WebSocket(wsUrl(`ws/${seat.id}`, { token: seat.token }));
  ws.onopen = () => { retries = 0; connection("online", "good"); };
  ws.onmessage = (message) => onMessage(JSON.parse(message.data));
  ws.onclose = (event) => {
    if (socket !== ws) return;
    socket = null;
    if (event.code === 4403 || event.code === 4404) {
      leave();
      showError(event.code === 4404 ? "The session is over." : "Your seat was given away: join again with the password.");
      return;
    }
    if (event.code === 1006 && retries >= 2) {
      // Refused during the handshake (bad or expired token, no such session): ask the server why.
      api(`api/sessions/${seat.id}`, { token: seat.token }).catch((err) => {
        if (err.status === 401 || err.status === 403 || err.status === 404) { leave(); showError(err); }
      });
    }
    connection("reconnecting…", "bad");
    retries += 1;
    setTimeout(() => seat && connect(), Math.min(500 * 2 ** retries, 8000));
  };
}

function send(type, payload) {
  if (!socket || socket.readyState !== WebSocket.OPEN) {
    showError("Not connected yet; try again in a moment.");
    return false;
  }
  socket.send(JSON.stringify({ type, payload }));
  return true;
}

function onMessage(message) {
  const payload = message.payload || {};
  switch (message.type) {
    case "chat":
      names.set(payload.user_id, payload.username);
      addChat(payload);
      renderParticipants();
      break;
    case "playback_state":
      follow(payload);
      break;
    case "user_joined":
      names.set(payload.user_id, payload.username);
      if (!present.includes(payload.user_id)) present.push(payload.user_id);
      renderParticipants();
      systemLine(`${payload.username} joined.`);
      if (me.is_host) sendPlayback(); // so that the newcomer starts in step
      break;
    case "user_left":
      present = present.filter((id) => id !== payload.user_id);
      renderParticipants();
      systemLine(`${payload.username} left.`);
      break;
    case "error":
      showError([payload.message || payload.error, ...Object.entries(payload.details || {}).map(([k, v]) => `${k} ${v}`)].join(": "));
      break;
    default:
      break; // WebRTC signals: this page shares no video stream
  }
}

// -- playback -------------------------------------------------------------------------------

function follow(state) {
  Object.assign(playback, { playing: state.playing, position: state.currentTime, at: performance.now(), known: true });
  renderPlayback();
}

function renderPlayback() {
  $("screen").dataset.playing = String(playback.playing);
  $("play-state").textContent = playback.playing ? "playing" : "paused";
  $("toggle").textContent = playback.playing ? "Pause" : "Play";
}

function sendPlayback() {
  return send("playback_state", { playing: playback.playing, currentTime: Number(now().toFixed(3)) });
}

function control(change) {
  if (!me || !me.is_host) return;
  const position = now();
  change(position);
  playback.at = performance.now();
  if (sendPlayback()) say("");
  renderPlayback();
}

const togglePlay = () => control((position) => { playback.position = position; playback.playing = !playback.playing; });
const seekBy = (delta) => control((position) => { playback.position = Math.max(0, position + delta); });
const seekTo = (seconds) => control(() => { playback.position = seconds; });

// -- participants and chat ------------------------------------------------------------------

async function refreshParticipants() {
  try {
    const details = await api(`api/sessions/${seat.id}`, { token: seat.token });
    present = details.participants;
    seat.hostId = details.host_id;
    renderParticipants();
  } catch (err) {
    showError(err);
  }
}

function renderParticipants() {
  $("count").textContent = String(present.length);
  fill("participants", present.map((id) => h("li", { dataset: { userId: id } },
    names.get(id) || `someone (${id.slice(0, 8)})`,
    id === me.user_id ? " (you)" : "",
    id === seat.hostId ? [" ", h("span", { class: "badge" }, "host")] : null)));
}

function addChat(chat) {
  const mine = chat.user_id === me.user_id;
  $("chat").append(h("li", { class: mine ? "mine" : "" },
    h("strong", {}, chat.username), ": ", chat.message,
    h("span", { class: "time" }, new Date(chat.timestamp).toLocaleTimeString())));
  $("chat").scrollTop = $("chat").scrollHeight;
}

function systemLine(text) {
  $("chat").append(h("li", { class: "muted" }, text));
}

// -- the forms and keys -----------------------------------------------------------------------

$("create-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  attempt(async () => {
    const created = await api("api/sessions/create", { method: "POST", body: { name: form.name.value, password: form.password.value } });
    say("Session created: share the link and the password.");
    enter({ id: created.id, name: created.name, token: created.token });
  }, form.querySelector("button"));
});

$("join-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  attempt(async () => {
    const joined = await api("api/sessions/join", { method: "POST", body: { session_id: form.session_id.value.trim(), password: form.password.value } });
    say("");
    enter({ id: joined.id, name: joined.name, token: joined.token });
  }, form.querySelector("button"));
});

$("chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("message").value;
  if (!text.trim()) return;
  if (send("chat", { message: text })) $("message").value = "";
});

$("toggle").addEventListener("click", togglePlay);
$("back").addEventListener("click", () => seekBy(-10));
$("forward").addEventListener("click", () => seekBy(10));
$("seek-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const seconds = parseClock($("seek").value);
  if (seconds === null) showError("Write the position as minutes:seconds, e.g. 12:30.");
  else seekTo(seconds);
});
$("copy").addEventListener("click", () => navigator.clipboard.writeText($("share").href).then(
  () => say("Link copied."), () => showError("Copying is not allowed here: select the link instead.")));
$("leave").addEventListener("click", leave);

document.addEventListener("keydown", (event) => {
  if (typing(event) || !seat || !me.is_host) return;
  if (event.key === " " && event.target instanceof HTMLButtonElement) return; // it clicks itself
  if (event.key === " ") togglePlay();
  else if (event.key === "ArrowLeft") seekBy(-10);
  else if (event.key === "ArrowRight") seekBy(10);
  else return;
  event.preventDefault();
});

if (location.hash.length > 1) $("join-form").session_id.value = decodeURIComponent(location.hash.slice(1));
requestAnimationFrame(tick);
if (seat) enter(seat);
