// Quipflip party mode in a browser (docs/quipflip.md): a guest signs in, creates or joins a
// party, gets ready, and plays the three rounds (write, copy, vote) through the HTTP routes;
// the party's WebSocket says when to look again. The tab keeps its token and party, so a
// reload carries on where it was (an open round is given back when asked for again).
import { api, attempt, fill, h, log, memory, say, showError, typing, wsUrl } from "/shared/page.js";

const mem = memory("quipflip");
const $ = (id) => document.getElementById(id);
const KIND = { PROMPT: "prompt", COPY: "copy", VOTE: "vote" };
const PHASE_NAMES = { LOBBY: "Lobby", PROMPT: "Write", COPY: "Copy", VOTE: "Vote", RESULTS: "Results" };
const COST = { prompt: 100, copy: 50, vote: 10 };
const PLURAL = { prompt: "prompts", copy: "copies", vote: "votes" };

let auth = mem.get("auth");   // {token, player_id, username}
let party = mem.get("party"); // {session_id, party_code, last_seq}
let status = null;            // the party's last status
let round = null;             // the round this player has open
let socket = null;
let retries = 0;
let refreshing = null;        // the status request in flight
let again = false;            // another refresh was asked for meanwhile

const call = (path, options = {}) => api(path, { token: auth && auth.token, ...options });

function show(view) {
  document.body.dataset.view = view;
  for (const id of ["signin", "parties", "party"]) $(id).hidden = id !== view;
}

function connection(text, kind = "") {
  $("connection").textContent = text;
  $("connection").className = `badge ${kind}`;
}

// -- signing in and finding a party ------------------------------------------------------------

async function signedIn() {
  $("who").textContent = `${auth.username} · ${(await call("player/me")).wallet} coins`;
}

async function showParties() {
  show("parties");
  const list = await call("party/list");
  $("no-parties").hidden = list.parties.length > 0;
  fill("party-list", list.parties.map((p) => h("li", {},
    h("strong", {}, p.host_username), h("code", {}, p.party_code),
    h("span", { class: "muted" }, `${p.participant_count}/${p.max_players} players, starts at ${p.min_players}`),
    h("button", { type: "button", class: "secondary", style: "margin-left:auto",
                  onclick: (event) => attempt(() => joined(call(`party/${p.session_id}/join`, { method: "POST" })), event.target) }, "Join"))));
}

async function joined(request) {
  const session = await request;
  party = { session_id: session.session_id, party_code: session.party_code, last_seq: null };
  mem.set("party", party);
  say("");
  enterParty();
}

function enterParty() {
  show("party");
  $("code").textContent = party.party_code;
  connect();
  refresh();
}

function leftParty(message) {
  const old = socket;
  socket = null;
  if (old) old.close(1000);
  party = null;
  status = null;
  round = null;
  mem.forget("party");
  fill("log");
  connection("not connected");
  if (message) say(message);
  attempt(showParties);
  signedIn().catch(showError);
}

// -- the party's notifications --------------------------------------------------------------

function connect() {
  connection("connecting…");
  const ws = socket = new WebSocket(wsUrl(`party/${party.session_id}/ws`,
    { token: auth.token, context: "page", last_seq: party.last_seq }));
  ws.onopen = () => { retries = 0; connection("online", "good"); };
  ws.onmessage = (message) => onNotification(JSON.parse(message.data));
  ws.onclose = (event) => {
    if (socket !== ws) return;
    socket = null;
    if (event.code === 1000) return leftParty(event.reason === "party over" ? "The party is over." : "");
    connection("reconnecting…", "bad");
    retries += 1;
    // A refused handshake (not in this session, no such session) is told by the status route.
    if (retries >= 3) refresh();
    setTimeout(() => party && connect(), Math.min(500 * 2 ** retries, 8000));
  };
}

const NOTICES = {
  player_joined: (n) => `${n.username}${n.is_ai ? " (AI)" : ""} joined.`,
  player_left: (n) => `${n.username} left.`,
  player_ready: (n) => `${n.username} is ready (${n.ready_count}/${n.total_count}).`,
  session_started: (n) => n.message || "The party started.",
  phase_transition: (n) => n.message || `${n.old_phase} → ${n.new_phase}.`,
  progress_update: (n) => `${n.username} ${n.action.replace("submitted_", "submitted a ")}.`,
  session_completed: (n) => n.message || "The results are in.",
  host_ping: (n) => `${n.data.host_username} calls everyone to the party.`,
  ping: (n) => `${n.from_username} calls you to the party!`,
};

function onNotification(note) {
  if (typeof note.sequence_number === "number") {
    party.last_seq = note.sequence_number;
    mem.set("party", party);
  }
  if (note.type === "error") return showError(note.detail || note.code);
  if (note.type === "phase_transition") round = null;
  const notice = NOTICES[note.type];
  if (notice) log("log", notice(note));
  if (note.type === "ping") say(notice(note));
  refresh();
}

// -- the party's status ------------------------------------------------------------------------

/** Read the status again; requests while one is in flight fold into one more after it. */
function refresh() {
  if (refreshing) { again = true; return; }
  refreshing = (async () => {
    try {
      do {
        again = false;
        const read = await call(`party/${party.session_id}/status`);
        if (again) continue; // already out of date: read again before drawing
        status = read;
        const results = status.current_phase === "RESULTS" ? await call(`party/${party.session_id}/results`) : null;
        render(results);
      } while (again && party);
    } catch (err) {
      showError(err);
      if (err.status === 404 || err.status === 401) leftParty();
    } finally {
      refreshing = null;
    }
  })();
}

function mine() {
  return status.participants.find((p) => p.player_id === auth.player_id);
}

function owes(participant, kind) {
  return participant[`${PLURAL[kind]}_submitted`] < participant[`${PLURAL[kind]}_required`];
}

function render(results) {
  const phase = status.current_phase;
  const me = mine();
  const host = status.host_player_id === auth.player_id;
  document.body.dataset.phase = phase;
  $("phase").textContent = PHASE_NAMES[phase] || phase;
  const inLobby = phase === "LOBBY";
  $("ready").hidden = !inLobby;
  $("ready").disabled = !me || me.status === "READY";
  $("ready").textContent = me && me.status === "READY" ? "Ready ✓" : "I'm ready";
  for (const id of ["add-ai", "ping", "start"]) $(id).hidden = !(inLobby && host);
  $("leave").hidden = !inLobby;
  const ready = status.participants.filter((p) => p.status === "READY").length;
  $("start").disabled = ready < status.min_players;
  const progress = status.progress || {};
  $("progress").textContent = inLobby
    ? `${ready} of ${status.participants.length} ready; ${status.min_players} needed to start (AI players count).`
    : phase === "RESULTS" ? "The party is over." : `${progress.players_ready_for_next_phase ?? 0} of ${progress.total_players ?? status.participants.length} players done with this phase.`;

  fill($("participants").tBodies[0], status.participants.map((p) => h("tr", { class: p.player_id === auth.player_id ? "me" : "" },
    h("td", {}, p.username, " ", p.is_ai ? h("span", { class: "badge" }, "AI") : null, p.is_host ? " (host)" : "",
      p.connection_status === "disconnected" ? h("span", { class: "badge bad" }, "away") : null),
    h("td", {}, p.status.toLowerCase()),
    h("td", {}, `${p.prompts_submitted}/${p.prompts_required}`),
    h("td", {}, `${p.copies_submitted}/${p.copies_required}`),
    h("td", {}, `${p.votes_submitted}/${p.votes_required}`))));

  renderRound(phase, me);
  $("results-card").hidden = !results;
  if (results) renderResults(results);
}

function renderRound(phase, me) {
  const kind = KIND[phase];
  const owing = Boolean(kind && me && owes(me, kind));
  const open = Boolean(owing && round && round.round_type === kind);
  document.body.dataset.owing = String(owing);
  $("round-card").hidden = !kind || !me;
  $("round").hidden = !open;
  if (!kind || !me) return;
  $("round-title").textContent = { prompt: "Write an original", copy: "Copy a phrase", vote: "Find the original" }[kind];
  $("get-round").hidden = !owing || open;
  const submitted = me[`${PLURAL[kind]}_submitted`];
  $("get-round").textContent = `${submitted ? "Next" : "Start"} (${COST[kind]} coins)`;
  $("round-help").textContent = !owing ? "Done: waiting for the others."
    : { prompt: "Answer a prompt with a phrase of your own.",
        copy: "You see someone's original without its prompt: write a copy that could pass for it.",
        vote: "One phrase is the original, two are copies: pick the original (keys 1–3)." }[kind]
      + ` ${submitted} of ${me[`${PLURAL[kind]}_required`]} done.`;
  if (!open) return;
  $("round-text").textContent = kind === "copy" ? `“${round.original_phrase}”` : round.prompt_text;
  $("phrase-form").hidden = kind === "vote";
  $("phrase-label").textContent = kind === "prompt" ? "Your phrase" : "Your copy (it must differ from the original)";
  fill("choices", kind !== "vote" ? [] : round.phrases.map((phrase, index) => h("button", {
    type: "button", class: "secondary", onclick: (event) => attempt(() => submit(phrase), event.target),
  }, `${index + 1}. ${phrase}`)));
}

function renderResults(results) {
  fill($("rankings").tBodies[0], results.rankings.map((r) => h("tr", { class: r.player_id === auth.player_id ? "me" : "" },
    h("td", {}, r.rank), h("td", {}, r.username), h("td", {}, r.net > 0 ? `+${r.net}` : r.net),
    h("td", {}, r.votes_on_originals), h("td", {}, r.votes_fooled), h("td", {}, `${r.vote_accuracy}%`))));
  const awardNames = { best_writer: "Best writer", top_impostor: "Top impostor", sharpest_voter: "Sharpest voter" };
  const awards = Object.entries(results.awards || {});
  fill("awards", awards.length ? awards.map(([key, a]) => h("li", {}, h("strong", {}, awardNames[key] || key), `: ${a.username}`))
    : [h("li", { class: "muted" }, "No awards this time.")]);
  fill("phrasesets", results.phrasesets_summary.map((s) => h("li", {},
    h("span", { class: "muted" }, s.prompt_text), " → ", h("strong", {}, s.original_phrase),
    ` by ${s.original_player}; ${s.vote_count} vote(s), most for the ${s.most_votes}.`)));
}

// -- rounds -----------------------------------------------------------------------------------

async function startRound() {
  const kind = KIND[status.current_phase];
  round = await call(`party/${party.session_id}/rounds/${kind}`, { method: "POST" });
  say("");
  render(null);
  if (kind !== "vote") $("phrase").focus();
  await signedIn();
}

async function submit(phrase) {
  const answer = await call(`party/${party.session_id}/rounds/${round.round_id}/submit`, { method: "POST", body: { phrase } });
  round = null;
  $("phrase").value = "";
  say(answer.round_type === "vote" ? (answer.correct ? `Right! +${answer.payout} coins.` : "Not that one: it was a copy.") : "Submitted.");
  refresh();
  signedIn().catch(showError);
}

// -- controls -----------------------------------------------------------------------------------

$("signin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt(async () => {
    const guest = await api("auth/guest", { method: "POST", body: { username: event.target.username.value.trim() } });
    auth = { token: guest.access_token, player_id: guest.player_id, username: guest.username };
    mem.set("auth", auth);
    say("");
    await signedIn();
    await showParties();
  }, event.target.querySelector("button"));
});

$("create-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const min = Number(event.target.min_players.value);
  attempt(() => joined(call("party/create", { method: "POST", body: { min_players: min, max_players: Math.max(min, 9) } })),
    event.target.querySelector("button"));
});

$("code-form").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt(() => joined(call("party/join", { method: "POST", body: { party_code: event.target.party_code.value.trim() } })),
    event.target.querySelector("button"));
});

const partyAction = (path, done) => (event) => attempt(async () => {
  const answer = await call(`party/${party.session_id}/${path}`, { method: "POST" });
  if (done) done(answer);
  refresh();
}, event.target);

$("refresh").addEventListener("click", (event) => attempt(showParties, event.target));
$("ready").addEventListener("click", partyAction("ready"));
$("add-ai").addEventListener("click", partyAction("add-ai", (ai) => say(`${ai.username} joins the party.`)));
$("ping").addEventListener("click", partyAction("ping", () => say("Everyone was called.")));
$("start").addEventListener("click", partyAction("start"));
$("leave").addEventListener("click", partyAction("leave", () => leftParty("You left the party.")));
$("again").addEventListener("click", () => leftParty(""));
$("get-round").addEventListener("click", (event) => attempt(startRound, event.target));
$("phrase-form").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt(() => submit($("phrase").value), event.target.querySelector("button"));
});

document.addEventListener("keydown", (event) => {
  if (typing(event) || !round || round.round_type !== "vote") return;
  const index = Number(event.key) - 1;
  if (!(index >= 0 && index < round.phrases.length)) return;
  event.preventDefault();
  attempt(() => submit(round.phrases[index]));
});

// -- start ------------------------------------------------------------------------------------

async function resume() {
  if (!auth) return show("signin");
  try {
    await signedIn();
  } catch (err) {
    if (err.status !== 401) throw err;
    auth = null;
    party = null;
    mem.forget("auth");
    mem.forget("party");
    say("Your guest pass expired: sign in again.");
    return show("signin");
  }
  if (party) enterParty();
  else await showParties();
}

attempt(resume);
