// Liap Tui in a browser: the lobby and a room over the app's WebSocket protocol (docs/liaptui.md).
// The tab remembers its seat (room, name, token, last event number), so a reload takes the
// seat back and the server replays what was missed.
import { attempt, fill, h, log, memory, say, showError, typing, wsUrl } from "/shared/page.js";

const mem = memory("liaptui");
const $ = (id) => document.getElementById(id);
const RANK_NAMES = {
  GENERAL: "General", ADVISOR: "Advisor", ELEPHANT: "Elephant", CHARIOT: "Chariot",
  HORSE: "Horse", CANNON: "Cannon", SOLDIER: "Soldier",
};
/** A play's kind in words; a follow that forms no combination is a discard. */
const playName = (type) => (type === "INVALID" ? "no combination" : type.toLowerCase().replace(/_/g, " "));
const PHASE_NAMES = {
  PREPARATION: "Deal", DECLARATION: "Declarations", TURN: "Play", SCORING: "Scoring",
  GAME_OVER: "Game over",
};

let lobby = null;        // the lobby's WebSocket, while the lobby is shown
let room = null;         // the room's WebSocket
let leaving = false;     // a close we asked for: no reconnection
let retries = 0;
let seat = mem.get("seat"); // {room_id, room_name, player_name, player_token, last_sequence}
const view = {
  players: [], host: null, phase: null, phaseData: null, game: null, hand: [],
  selected: new Set(), phaseSeq: null, // the sequence number of the phase shown
};
let drawing = false;

/** Draw once per frame: a bot's instant moves arrive in bursts, and the page shows their end. */
function redraw() {
  if (drawing) return;
  drawing = true;
  requestAnimationFrame(() => {
    drawing = false;
    render();
  });
}

// -- connection -----------------------------------------------------------------------------

function connection(text, kind = "") {
  const badge = $("connection");
  badge.textContent = text;
  badge.className = `badge ${kind}`;
}

function send(socket, event, data) {
  if (!socket || socket.readyState !== WebSocket.OPEN) {
    showError("Not connected to the server yet; try again in a moment.");
    return;
  }
  socket.send(JSON.stringify(data === undefined ? { event } : { event, data }));
}

function openLobby() {
  document.body.dataset.view = "lobby";
  $("lobby").hidden = false;
  $("room").hidden = true;
  lobby = new WebSocket(wsUrl("ws/lobby"));
  lobby.onopen = () => { connection("online", "good"); send(lobby, "room_list"); };
  lobby.onmessage = (message) => onLobbyMessage(JSON.parse(message.data));
  lobby.onclose = () => {
    if (lobby === null) return;
    connection("offline", "bad");
    setTimeout(openLobby, 1000);
  };
}

function closeLobby() {
  const socket = lobby;
  lobby = null;
  if (socket) socket.close(1000);
}

function onLobbyMessage(message) {
  if (message.error) return refused(message.error);
  if (message.event === "room_list") renderRooms(message.data.rooms);
  else if (message.event === "room_created") {
    const data = message.data;
    sitDown({ room_id: data.room_id, room_name: data.room_name, player_name: data.creator,
              player_token: data.player_token, last_sequence: null });
  }
}

function sitDown(newSeat) {
  seat = newSeat;
  mem.set("seat", seat);
  closeLobby();
  openRoom();
}

function openRoom() {
  document.body.dataset.view = "room";
  $("lobby").hidden = true;
  $("room").hidden = false;
  $("room-title").textContent = seat.room_name || `Room ${seat.room_id}`;
  $("who").textContent = `${seat.player_name} · room ${seat.room_id}`;
  leaving = false;
  connection("connecting…");
  const socket = room = new WebSocket(wsUrl(`ws/${encodeURIComponent(seat.room_id)}`));
  socket.onopen = () => {
    retries = 0;
    connection("online", "good");
    const data = { player_name: seat.player_name };
    if (seat.player_token) data.player_token = seat.player_token;
    if (seat.last_sequence !== null && seat.last_sequence !== undefined) data.last_sequence = seat.last_sequence;
    send(socket, "join_room", data);
  };
  socket.onmessage = (message) => onRoomMessage(JSON.parse(message.data));
  socket.onclose = (event) => {
    if (room !== socket) return;
    room = null;
    if (leaving || event.code === 1000 || event.code === 1008) {
      if (!leaving) say(event.reason ? `The room closed: ${event.reason}.` : "The room closed.", "error");
      backToLobby();
      return;
    }
    connection("reconnecting…", "bad");
    retries += 1;
    setTimeout(() => seat && openRoom(), Math.min(500 * 2 ** retries, 8000));
  };
}

function backToLobby() {
  const old = room;
  room = null; // its close, if still to come, is expected
  if (old) old.close(1000);
  seat = null;
  mem.forget("seat");
  Object.assign(view, { players: [], host: null, phase: null, phaseData: null, game: null, hand: [], phaseSeq: null });
  view.selected.clear();
  fill("log");
  $("who").textContent = "";
  render();
  openLobby();
}

// -- messages -------------------------------------------------------------------------------

function refused(error) {
  const text = `${error.message}${error.details && error.details.reason ? ` (${error.details.reason})` : ""} [${error.code}]`;
  showError(text);
  if (error.code === "1003") backToLobby(); // room not found: the seat is gone
  if (error.code === "1002" && !view.players.length) { leaving = true; backToLobby(); }
}

function onRoomMessage(message) {
  if (message.error) return refused(message.error);
  const data = message.data || {};
  if (typeof message.sequence_number === "number") {
    seat.last_sequence = message.sequence_number;
    mem.set("seat", seat);
  }
  switch (message.event) {
    case "connected":
      Object.assign(seat, { player_token: data.player_token, player_name: data.player_name });
      mem.set("seat", seat);
      break;
    case "room_joined":
      seat.room_name = data.room_name;
      mem.set("seat", seat);
      $("room-title").textContent = data.room_name;
      view.players = data.players;
      view.host = data.host_name;
      say(`You sit at seat ${data.position + 1}. Share the room id ${data.room_id} with friends.`);
      log("log", `You joined ${data.room_name}.`);
      break;
    case "reconnected":
      view.phaseSeq = data.current_sequence;
      view.players = data.players;
      view.host = (data.players.find((p) => p.is_host) || {}).name || view.host;
      if (data.game_state) {
        view.game = data.game_state;
        view.phase = data.game_state.phase;
        view.phaseData = data.game_state.phase_data;
      }
      say(data.events_replayed ? `Back at your seat (${data.missed_events} events caught up).` : "Back at your seat.");
      log("log", "You took your seat back.");
      break;
    case "player_joined":
      upsertPlayer({ name: data.player_name, position: data.position, is_bot: data.is_bot });
      log("log", `${data.player_name} ${data.reconnected ? "is back" : "sat down"}${data.is_bot ? " (bot)" : ""}.`);
      break;
    case "player_left":
      if (!view.phase) view.players = view.players.filter((p) => p.position !== data.position);
      if (data.new_host) view.host = data.new_host;
      log("log", `${data.player_name} left${data.new_host ? `; ${data.new_host} is the host now` : ""}.`);
      break;
    case "room_left":
      leaving = true;
      room.close(1000);
      break;
    case "game_started":
      view.players = data.players;
      log("log", "The game starts.");
      say("");
      break;
    case "hand_updated":
      view.hand = data.pieces;
      view.selected = new Set([...view.selected].filter((id) => data.pieces.some((p) => p.id === id)));
      break;
    case "phase_change":
      view.phaseSeq = message.sequence_number;
      view.phase = data.phase;
      view.phaseData = data.phase_data;
      view.game = data.game_state;
      if (data.phase === "SCORING") log("log", `Round ${data.phase_data.round_number} scored.`);
      break;
    case "declaration_accepted":
      log("log", `${data.player} declares ${data.declaration}.`);
      break;
    case "play_accepted":
      log("log", `${data.player} plays ${data.pieces_played.length} (${playName(data.play_type)}).`);
      if (data.player === seat.player_name) view.selected.clear();
      break;
    case "redeal_decision_accepted":
      log("log", `${data.player} ${data.decision === "accept" ? "asks for a redeal" : "keeps the hand"}.`);
      break;
    case "player_timeout":
      log("log", `${data.player} ran out of time; the server moved for them.`);
      break;
    case "bot_activated":
      log("log", `A bot plays for ${data.player} (${data.reason}).`);
      break;
    case "special_bonus":
      log("log", data.message || `${data.player}: ${data.bonus_type}`);
      break;
    case "game_over":
      log("log", `Game over: ${data.winners.join(" and ")} won.`);
      say(`Game over: ${data.winners.join(" and ")} won after ${data.rounds_played} rounds.`);
      break;
    default:
      break;
  }
  redraw();
}

function upsertPlayer(player) {
  const others = view.players.filter((p) => p.position !== player.position);
  const old = view.players.find((p) => p.position === player.position) || {};
  view.players = [...others, { ...old, ...player }].sort((a, b) => a.position - b.position);
}

// -- what the game waits for --------------------------------------------------------------

/** What this seat must do now: "declare", "play", "redeal" or "". */
function waitingFor() {
  const data = view.phaseData || {};
  const me = seat && seat.player_name;
  if (view.phase === "DECLARATION" && data.current_declarer === me) return "declare";
  if (view.phase === "TURN" && data.current_player === me) return "play";
  if (view.phase === "PREPARATION" && data.waiting_for_decisions
      && (data.weak_hands || []).includes(me) && !(me in (data.decisions || {}))) return "redeal";
  return "";
}

function whoseMove() {
  const data = view.phaseData || {};
  if (view.phase === "DECLARATION") return data.current_declarer;
  if (view.phase === "TURN") return data.current_player;
  return null;
}

// -- actions ----------------------------------------------------------------------------------

function declare(value) {
  if (!(view.phaseData.valid_declarations || []).includes(value)) {
    showError(`You may not declare ${value} now: choose one of ${view.phaseData.valid_declarations.join(", ")}.`);
    return;
  }
  say("");
  send(room, "declare", { declaration: value });
}

function playSelected() {
  if (!view.selected.size) {
    showError("Select the pieces to play first (click them, or press their numbers).");
    return;
  }
  say("");
  const order = view.hand.map((p) => p.id);
  send(room, "play", { piece_ids: [...view.selected].sort((a, b) => order.indexOf(a) - order.indexOf(b)) });
}

function toggle(id) {
  if (view.selected.has(id)) view.selected.delete(id);
  else view.selected.add(id);
  render();
}

function redeal(accept) {
  send(room, accept ? "accept_redeal" : "decline_redeal");
}

document.addEventListener("keydown", (event) => {
  if (typing(event) || document.body.dataset.view !== "room") return;
  const waiting = waitingFor();
  const digit = /^[0-9]$/.test(event.key) ? Number(event.key) : null;
  if (waiting === "declare" && digit !== null && digit <= 8) declare(digit);
  else if (waiting === "play" && digit !== null && digit >= 1 && digit <= view.hand.length) toggle(view.hand[digit - 1].id);
  else if (waiting === "play" && event.key === "Enter") playSelected();
  else if (event.key === "Escape") { view.selected.clear(); render(); }
  else if (waiting === "redeal" && (event.key === "y" || event.key === "n")) redeal(event.key === "y");
  else return;
  event.preventDefault();
});

// -- rendering --------------------------------------------------------------------------------

function pieceLabel(piece, key) {
  return [
    h("span", {}, RANK_NAMES[piece.rank] || piece.rank),
    h("small", {}, `${piece.color.toLowerCase()} · ${piece.point}`),
    key ? h("span", { class: "key" }, key) : null,
  ];
}

function renderRooms(rooms) {
  $("no-rooms").hidden = rooms.length > 0;
  fill("rooms", rooms.map((r) => h("li", { class: "row" },
    h("strong", {}, r.room_name),
    h("span", { class: "muted" }, `${r.players.length}/${r.max_players} · host ${r.host_name}`),
    h("button", { type: "button", class: "secondary", style: "margin-left:auto",
                  onclick: () => joinRoom(r.room_id, r.room_name) }, "Join"))));
}

function joinRoom(roomId, roomName) {
  const name = $("player-name").value.trim();
  if (!name) {
    showError("Write your name first.");
    $("player-name").focus();
    return;
  }
  sitDown({ room_id: roomId.trim().toUpperCase(), room_name: roomName, player_name: name,
            player_token: null, last_sequence: null });
}

function render() {
  const waiting = seat ? waitingFor() : "";
  document.body.dataset.waiting = waiting;
  document.body.dataset.phase = view.phase || "";
  document.body.dataset.phaseSeq = view.phaseSeq ?? "";
  document.body.dataset.mover = whoseMove() || "";
  const data = view.phaseData || {};
  const game = view.game || {};
  const me = seat && seat.player_name;
  $("start").hidden = !(seat && !view.phase && view.host === me);
  $("phase").textContent = view.phase ? PHASE_NAMES[view.phase] || view.phase : "waiting for players";
  $("round").textContent = game.round_number ? `round ${game.round_number}` : "";

  // Players: seats 1-4, with the game's figures once it runs.
  const stats = (game.players || []).reduce((acc, p) => ({ ...acc, [p.name]: p }), {});
  const mover = whoseMove();
  fill($("players").tBodies[0], [0, 1, 2, 3].map((position) => {
    const player = view.players.find((p) => p.position === position);
    if (!player) return h("tr", {}, h("td", {}, String(position + 1)), h("td", { colspan: 5, class: "muted" }, "free seat"));
    const stat = stats[player.name] || {};
    const declared = (data.declarations || game.declarations || {})[player.name];
    const piles = (game.pile_counts || {})[player.name];
    return h("tr", { class: [player.name === me ? "me" : "", player.name === mover ? "turn" : ""].join(" "),
                     dataset: { player: player.name, declared: declared ?? "", piles: piles ?? "",
                               hand: (game.hand_sizes || {})[player.name] ?? "" } },
      h("td", {}, String(position + 1)),
      h("td", {}, player.name, " ",
        player.name === view.host ? h("span", { class: "badge" }, "host") : null, " ",
        (stat.is_bot ?? player.is_bot) ? h("span", { class: "badge" }, "bot") : null, " ",
        stat.is_active === false ? h("span", { class: "badge bad" }, "away") : null),
      h("td", {}, stat.score ?? ""),
      h("td", {}, declared ?? ""),
      h("td", {}, piles ?? ""),
      h("td", {}, (game.hand_sizes || {})[player.name] ?? ""));
  }));

  // The prompt: what the game waits for, in a sentence.
  let prompt = "";
  if (!view.phase) prompt = view.host === me ? "Start when everyone is here: bots take the empty seats." : `Waiting for ${view.host || "the host"} to start.`;
  else if (waiting === "declare") prompt = `Your turn: how many piles will you capture? (${data.valid_declarations.join(", ")})`;
  else if (waiting === "play") prompt = data.required_piece_count ? `Your turn: play ${data.required_piece_count} piece(s).` : "Your lead: play 1 to 6 pieces that form a play.";
  else if (waiting === "redeal") prompt = "Your hand is weak: ask for a redeal?";
  else if (view.phase === "GAME_OVER") prompt = `Game over: ${(data.winners || []).join(" and ")} won.`;
  else if (view.phase === "SCORING") prompt = "Round over: the next deal comes in a moment.";
  else if (mover) prompt = `Waiting for ${mover}.`;
  else if (view.phase === "PREPARATION") prompt = "Weak hands are deciding on a redeal.";
  $("prompt").textContent = prompt;

  // The table: this turn's plays, or the last turn's until someone leads.
  const inTurn = view.phase === "TURN";
  $("table-card").hidden = !inTurn;
  if (inTurn) {
    const current = data.current_plays || {};
    const shown = Object.keys(current).length ? current : data.last_turn_plays || {};
    const caption = Object.keys(current).length ? "" : data.last_winner ? `${data.last_winner} won the last turn.` : "Nothing played yet.";
    fill("table", caption ? h("p", { class: "muted" }, caption) : null,
      Object.entries(shown).map(([name, play]) => h("div", { class: "play", dataset: { player: name, current: String(shown === current) } },
        h("h3", {}, `${name} · ${playName(play.play_type)}`),
        h("div", { class: "hand" }, play.pieces.map((piece) => h("span", { class: `piece ${piece.color}`, dataset: { id: piece.id } }, pieceLabel(piece)))))));
  }
  document.body.dataset.required = data.required_piece_count ?? "";

  // The hand and the controls for what the game waits for.
  const showHand = Boolean(view.phase) && view.phase !== "GAME_OVER";
  $("hand-card").hidden = !showHand;
  fill("hand", view.hand.map((piece, index) => h("button", {
    type: "button", class: `piece ${piece.color}`, "aria-pressed": String(view.selected.has(piece.id)),
    disabled: waiting !== "play", dataset: { id: piece.id, rank: piece.rank, point: piece.point },
    title: `${RANK_NAMES[piece.rank]} (${piece.color.toLowerCase()}, ${piece.point} points)`,
    onclick: () => toggle(piece.id),
  }, pieceLabel(piece, waiting === "play" ? String(index + 1) : ""))));
  let actions = [];
  let keys = "";
  if (waiting === "declare") {
    actions = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => h("button", {
      type: "button", class: "declare", disabled: !data.valid_declarations.includes(n), onclick: () => declare(n),
    }, String(n)));
    keys = "Keys: 0–8 declare.";
  } else if (waiting === "play") {
    actions = [
      h("button", { type: "button", id: "play", onclick: playSelected }, `Play ${view.selected.size || ""} selected`),
      h("button", { type: "button", class: "secondary", onclick: () => { view.selected.clear(); render(); } }, "Clear"),
    ];
    keys = "Keys: 1–8 select a piece, Enter plays, Esc clears.";
  } else if (waiting === "redeal") {
    actions = [
      h("button", { type: "button", onclick: () => redeal(true) }, "Ask for a redeal"),
      h("button", { type: "button", class: "secondary", onclick: () => redeal(false) }, "Keep this hand"),
    ];
    keys = "Keys: Y asks for a redeal, N keeps the hand.";
  }
  fill("actions", actions);
  $("keys").textContent = keys;

  // Scores once a round is scored.
  const scored = view.phase === "SCORING" || view.phase === "GAME_OVER";
  $("scores-card").hidden = !scored;
  if (scored) {
    $("scores-title").textContent = view.phase === "GAME_OVER" ? `Final scores (after ${data.rounds_played} rounds)` : `Round ${data.round_number} scores`;
    fill($("scores").tBodies[0], Object.entries(data.round_scores || {}).map(([name, s]) => h("tr", { class: name === me ? "me" : "" },
      h("td", {}, name, (data.winners || []).includes(name) && view.phase === "GAME_OVER" ? " (winner)" : ""),
      h("td", {}, s.declared), h("td", {}, s.captured), h("td", {}, s.score > 0 ? `+${s.score}` : s.score), h("td", {}, s.total))));
  }
}

// -- the forms --------------------------------------------------------------------------------

$("create-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const name = $("player-name").value.trim();
  if (!name) {
    showError("Write your name first.");
    $("player-name").focus();
    return;
  }
  send(lobby, "create_room", { room_name: form.room_name.value.trim(), player_name: name, is_public: form.is_public.checked });
});

$("join-form").addEventListener("submit", (event) => {
  event.preventDefault();
  joinRoom(event.target.room_id.value, "");
});

$("start").addEventListener("click", () => send(room, "start_game"));
$("leave").addEventListener("click", (event) => attempt(async () => {
  leaving = true;
  send(room, "leave_room");
}, event.target));

render();
if (seat) openRoom();
else openLobby();
