// A LANrage node's local API in a browser (docs/lanrage.md): the node's party status, read every
// two seconds, and create / join / leave. Everything is the node's state: a reload shows it again.
import { api, attempt, fill, h, say, showError } from "/shared/page.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 2000;

/** This node's peer id in `party`: its own entry says "direct" with no latency, unless it hosts
 * (then it is the host's entry); any other direct peer has answered a probe, so has a latency. */
function selfId(party) {
  const own = Object.values(party.peers).find((p) => p.connection_type === "direct" && p.latency_ms === null);
  return own ? own.id : party.host_id;
}

function describeNat(nat) {
  if (!nat) return "NAT detection running…";
  const where = nat.public_ip ? ` · public ${nat.public_ip}:${nat.public_port}` : "";
  return `NAT: ${nat.nat_type.replace(/_/g, " ")}${where}`;
}

function render(status) {
  document.body.dataset.state = status.status;
  $("node").textContent = status.status === "in_party" ? "in a party" : "no party";
  $("node").className = `badge ${status.status === "in_party" ? "good" : ""}`;
  $("nat").textContent = describeNat(status.nat_info);
  const party = status.party;
  $("no-party").hidden = Boolean(party);
  $("party").hidden = !party;
  if (!party) return;
  $("party-name").textContent = party.name;
  $("party-id").textContent = party.id;
  $("peer-count").textContent = `${status.peer_count} peer(s)`;
  const host = party.host_id;
  const me = selfId(party);
  $("leave").textContent = me === host ? "Disband the party" : "Leave";
  fill($("peers").tBodies[0], Object.values(party.peers).map((peer) => h("tr", { dataset: { peer: peer.id } },
    h("td", {}, peer.name, peer.id === host ? " (host)" : "", peer.id === me ? " (you)" : ""),
    h("td", {}, h("code", {}, peer.virtual_ip)),
    h("td", {}, h("span", { class: `badge ${peer.connection_type === "failed" ? "bad" : peer.connection_type === "direct" ? "good" : ""}` }, peer.connection_type)),
    h("td", {}, peer.latency_ms === null ? "—" : `${peer.latency_ms.toFixed(1)} ms (${peer.latency_source === "udp_probe" ? "UDP" : "control plane"})`),
    h("td", {}, peer.nat_type.replace(/_/g, " ")))));
}

let polling = null;
async function poll() {
  clearTimeout(polling);
  try {
    render(await api("status"));
  } catch (err) {
    $("node").textContent = "unreachable";
    $("node").className = "badge bad";
    showError(err);
  } finally {
    polling = setTimeout(poll, POLL_MS);
  }
}

$("create-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  attempt(async () => {
    const created = await api("party/create", { method: "POST", body: { name: form.name.value } });
    say(`Party created: give your friends its id, ${created.party_id}.`);
    await poll();
  }, form.querySelector("button"));
});

$("join-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  attempt(async () => {
    const joined = await api("party/join", { method: "POST", body: { party_id: form.party_id.value.trim(), peer_name: form.peer_name.value } });
    say(`You joined ${joined.party.name}: your address is ${joined.party.peers[selfId(joined.party)].virtual_ip}.`);
    await poll();
  }, form.querySelector("button"));
});

$("leave").addEventListener("click", (event) => attempt(async () => {
  await api("party/leave", { method: "POST" });
  say("You left the party.");
  await poll();
}, event.target));

$("copy").addEventListener("click", () => navigator.clipboard.writeText($("party-id").textContent).then(
  () => say("Party id copied."), () => showError("Copying is not allowed here: select the id instead.")));

poll();
