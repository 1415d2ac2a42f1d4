"""The room actor: one Liap Tui table, its players' connections, its seats and its listing.

A `RoomActor` is a persistent actor over a `RoomState` (its game is played by the `GameTable`
it extends): every message that changes the room is
committed to the store before anyone hears of it, and after a crash or a restart the room comes
back from its last commit, events included, and re-arms its clocks. Its lifecycle:

- ``on_loaded``: the state is in place (new, or restored): the event stream is rebuilt from the
  store's log, humans are marked away until they are back, the clocks are planned.
- joins, leaves and moves arrive as `PeerMessage` from players' connections; bots' moves,
  timeouts, the next deal and the reconnect grace arrive as timer messages (see `pacing`).
- once no human has been connected for the reconnect grace the room closes itself (`finish`:
  deleted from the store); ``on_stop`` closes the connections left.

A request the room refuses is answered with an ``error`` / ``validation_error`` event to its
sender only, and changes nothing: the handler re-raises the `LiaptuiError` (a `Rejection`), so
the runtime rolls back the state, the recorded events and the sends not yet made.

Connections are not state. After a crash (not a restart) a player's connection is still open;
the room takes it back, as the seat's, the first time it speaks.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import attrs

from engine.actors import ActorStopped, MailboxFull, on
from engine.net import Peer, PeerConnected, PeerDisconnected, PeerMessage
from engine.store import Record, Store

from . import game as rules
from . import messages as m
from .errors import (
    AlreadyInRoom, AuthenticationFailed, ConnectionReplaced, GameNotStarted, LiaptuiError,
    MaintenanceMode, NotYourTurn,
)
from .outcomes import Declare, Play, RedealDecision
from .protocol import ROOM_EVENTS, error_event, negotiate_version, parse, pong
from .seating import Admission, Arrival, admit, fill_with_bots, mark_away
from .state import RoomState, Seat, full_state, listing, new_token, players_data, room_data
from .table import GameTable
from .views import game_state, hand_updated_data

if TYPE_CHECKING:
    from .directory import RoomDirectory

__all__ = ["RoomActor"]

_GRACE = "grace"
_UNREPORTED = object()


class RoomActor(GameTable):
    """One room, saved under ``("liaptui.room", room_id)``.

    ``fresh`` marks a room the lobby is creating: its key may have nothing saved yet. Any other
    room that has nothing saved does not exist, and refuses to start.
    """

    def __init__(
        self,
        store: Store,
        room_id: str,
        *,
        directory: RoomDirectory,
        fresh: bool = False,
        preloaded: Record | None = None,
    ) -> None:
        super().__init__(store, room_id, settings=directory.settings, preloaded=preloaded)
        self.directory = directory
        self.fresh = fresh
        self._reported: Any = _UNREPORTED
        # Events up to here were sent before this incarnation started (see `_recognise`).
        self._loaded_at = 0

    # -- lifecycle ---------------------------------------------------------------------------

    def initial_state(self) -> RoomState | None:
        return RoomState(self.key) if self.fresh else None

    async def on_loaded(self, restored: bool) -> None:
        if restored:
            events = self.audience.events
            after = max(0, self.state.seq - events.capacity)
            log = await self.store.read_events(self.kind, self.key, after=after)
            events.restore(self.state.seq, log, after=after)
            self._loaded_at = self.state.seq
            # Nobody is connected to a room that just started; its humans are away until they
            # are back (and not replaced by bots: the server went away, they did not).
            for seat in self._humans():
                self._set_active(seat, False)
            self._plan()
            self._report()
        self._arm_grace()

    async def on_stop(self, reason: Any) -> None:
        if reason == "shutdown":
            notice = error_event(MaintenanceMode(), now=time.time())
            for peer in self.audience.members:
                peer.send_json(notice)
            self.audience.close_all(1001, "server shutting down")
        else:
            self.audience.close_all(1000, "room closed")

    # -- from the lobby, timers and tools ----------------------------------------------------

    @on(m.SetUp)
    def set_up(self, message: m.SetUp) -> str:
        """Become the room the lobby created; answer the token of the creator's held seat."""
        token, token_hash = new_token()
        self.state = attrs.evolve(
            self.state,
            room_name=message.room_name,
            creator=message.creator,
            is_public=message.is_public,
            created_at=time.time(),
            action_timeout=message.action_timeout,
            seats=(Seat(message.creator, token_hash, claimed=False), None, None, None),
        )
        return token

    @on(m.Inspect)
    def inspect(self, message: m.Inspect) -> RoomState:
        return self.state

    @on(m.ReportStatus)
    def report_status(self, message: m.ReportStatus) -> None:
        self._reported = _UNREPORTED
        self._report()

    @on(m.GraceExpired)
    def grace_expired(self, message: m.GraceExpired) -> None:
        if not self.audience.members:
            self.after_commit(lambda: self._tell_lobby(m.RoomStatus(self.key, None)))
            self.finish()

    # -- connections -------------------------------------------------------------------------

    @on(PeerConnected)
    def connected(self, message: PeerConnected) -> None:
        self.audience.visitors.add(message.peer)

    @on(PeerDisconnected)
    def disconnected(self, message: PeerDisconnected) -> None:
        self._recognise(message.peer)
        seat = self.audience.remove(message.peer)
        if seat is None:
            return
        held = self.state.seats[seat]
        self._set_seat(seat, attrs.evolve(held, gone_at=self.audience.events.seq))
        # The server closing every connection on its way down (1001) is no player leaving.
        if message.code == 1001 and not message.by_peer:
            self._set_active(seat, False)
        else:
            self._hand_to_bot(seat, "disconnected")
        self._arm_grace()

    @on(PeerMessage)
    def received(self, message: PeerMessage) -> None:
        peer = message.peer
        recognised = self._recognise(peer)
        try:
            self._dispatch(peer, parse(message.message, ROOM_EVENTS))
        except LiaptuiError as error:
            peer.send_json(error_event(error, now=time.time()))
            # Refused requests change nothing: raising rolls back whatever they did. Taking the
            # connection back is not part of the request, and must stay.
            if not recognised:
                raise

    def _dispatch(self, peer: Peer, request: Any) -> None:
        if isinstance(request, m.Ping):
            self.audience.tell(peer, "pong", pong(request, now=time.time()))
        elif isinstance(request, m.VersionInfo):
            for event, data in negotiate_version(request):
                self.audience.tell(peer, event, data)
        elif isinstance(request, m.JoinRoom):
            self._join(peer, request)
        else:
            seat = self._seat_of(peer, getattr(request, "player_name", None))
            if isinstance(request, m.SyncRequest):
                self._sync(peer, request.last_sequence)
            elif isinstance(request, m.LeaveRoom):
                self._leave(peer, seat)
            elif isinstance(request, m.StartGame):
                self._start(seat)
            elif self.state.game is None:
                raise GameNotStarted()
            elif isinstance(request, m.MakeDeclaration):
                self._apply(Declare(seat, request.declaration))
            elif isinstance(request, m.PlayPieces):
                self._apply(Play(seat, request.piece_ids))
            else:
                self._apply(RedealDecision(seat, isinstance(request, m.AcceptRedeal)))

    def _seat_of(self, peer: Peer, player_name: str | None) -> int:
        seat = self.audience.members.get(peer)
        if seat is None:
            raise AuthenticationFailed("Join the room first", {"reason": "not_joined"})
        name = self.state.seats[seat].name
        if player_name is not None and player_name != name:
            raise AuthenticationFailed(
                f"This connection plays as {name}", {"reason": "name_mismatch", "player_name": name}
            )
        return seat

    def _recognise(self, peer: Peer) -> bool:
        """Take back a seated connection that a crashed incarnation of the room had admitted,
        and send it what it missed since: the events of this incarnation, and its hand.

        Returns whether it did.
        """
        seat, token_hash = peer.attrs.get("seat"), peer.attrs.get("token_hash")
        if seat is None or peer in self.audience.members or self.audience.peer_of(seat) is not None:
            return False
        held = self.state.seats[seat]
        if held is None or held.token_hash != token_hash or held.is_bot:
            return False
        self._admit(peer, seat, held.token_hash)
        self.audience.replay(peer, self._loaded_at)
        if self.state.in_game:
            self.audience.tell_hand(seat, hand_updated_data(self.state.game, seat))
        return True

    # -- joining and leaving -----------------------------------------------------------------

    def _join(self, peer: Peer, request: m.JoinRoom) -> None:
        if peer in self.audience.members:
            raise AlreadyInRoom(details={"position": self.audience.members[peer]})
        admission = admit(self.state, request.player_name, request.player_token)
        if admission.arrival is Arrival.NEWCOMER:
            self._seat_newcomer(peer, request.player_name, admission)
        else:
            self._seat_returning(peer, admission, request.last_sequence)

    def _seat_newcomer(self, peer: Peer, name: str, admission: Admission) -> None:
        seat = admission.seat
        self._set_seat(seat, Seat(name, admission.token_hash))
        self._admit(peer, seat, admission.token_hash)
        connected = self._connected_data(peer, seat, admission.token, False)
        self.audience.tell(peer, "connected", connected)
        self.audience.tell(peer, "room_joined", {
            **room_data(self.state), "position": seat, "player_token": admission.token,
            "game_state": None,
        })
        self._publish("player_joined", {
            "player_name": name, "position": seat, "is_bot": False, "timestamp": time.time(),
        }, exclude=peer)
        self._report()

    def _seat_returning(self, peer: Peer, admission: Admission, last_sequence: int | None) -> None:
        seat = admission.seat
        held = self.state.seats[seat]
        replaced = self.audience.peer_of(seat)
        if replaced is not None:
            self.audience.remove(replaced)
            replaced.send_json(error_event(ConnectionReplaced(), now=time.time()))
            replaced.close(1000, "replaced by a newer connection")
        self._set_bot(seat, False)
        self._admit(peer, seat, admission.token_hash)
        connected = self._connected_data(peer, seat, admission.token, True)
        self.audience.tell(peer, "connected", connected)
        if last_sequence is not None:
            since = last_sequence
        elif replaced is not None:
            since = peer.attrs["joined_at"]  # the older connection, still open, saw everything
        else:
            since = held.gone_at
        replayed = self.audience.replay(peer, since)
        game = self.state.game
        self.audience.tell(peer, "reconnected", {
            **connected,
            "missed_events": replayed or 0,
            "events_replayed": replayed is not None,
            "current_sequence": self.audience.events.seq,
            "players": players_data(self.state),
            "game_state": game_state(game) if game is not None else None,
        })
        if self.state.in_game:
            self.audience.tell_hand(seat, hand_updated_data(game, seat))
        self._publish("player_joined", {
            "player_name": held.name, "position": seat, "is_bot": False, "reconnected": True,
            "timestamp": time.time(),
        }, exclude=peer)
        self._plan(fresh={seat})

    def _leave(self, peer: Peer, seat: int) -> None:
        self.audience.remove(peer)
        name = self.state.seats[seat].name
        self.audience.tell(peer, "room_left", {"room_id": self.key, "player_name": name})
        data: dict[str, Any] = {"player_name": name, "position": seat, "timestamp": time.time()}
        if self.state.in_game:
            # The seat stays in the game, played by a bot for good: nobody can take it back.
            self._set_seat(seat, Seat(name, is_bot=True))
            self._publish("player_left", data)
            self._hand_to_bot(seat, "left")
        else:
            self._set_seat(seat, None)
            heir = next(iter(self._humans(connected=True)), None)
            if name == self.state.creator and heir is not None:
                data["new_host"] = self.state.seats[heir].name
                self.state = attrs.evolve(self.state, creator=data["new_host"])
            self._publish("player_left", data)
        self._report()
        self._arm_grace()

    # -- starting ----------------------------------------------------------------------------

    def _start(self, seat: int) -> None:
        state = self.state
        if state.seats[seat].name != state.creator:
            raise AuthenticationFailed(
                "Only the room's creator can start the game",
                {"reason": "not_creator", "host_name": state.creator},
            )
        if state.in_game:
            raise NotYourTurn(
                "The game has already started",
                {"reason": "game_in_progress", "phase": str(state.game.phase)},
            )
        self.state, filled = fill_with_bots(state)
        for index in filled:
            self._publish("player_joined", {
                "player_name": self.state.seats[index].name, "position": index, "is_bot": True,
                "timestamp": time.time(),
            })
        seats = self.state.seats
        game, outcomes = rules.start_game(
            [s.name for s in seats], self.rng, [s.is_bot for s in seats]
        )
        away = [index for index in self._humans() if seats[index].is_bot]
        self.state = attrs.evolve(self.state, game_started_at=time.time())
        self._publish("game_started", {
            "players": players_data(self.state), "host_name": state.creator,
        })
        self._advance(*mark_away(game, outcomes, away))
        self._report()

    # -- answers -----------------------------------------------------------------------------

    def _sync(self, peer: Peer, last_sequence: int) -> None:
        events = self.audience.events
        missed = events.events_since(last_sequence)
        self.audience.tell(peer, "sync_response", {
            "current_sequence": events.seq,
            "missed_events": [
                {"sequence": e["sequence_number"], "event": e["event"], "data": e["data"]}
                for e in missed or ()
            ],
            "events_complete": missed is not None,
            "full_state": full_state(self.state),
        })

    def _connected_data(self, peer: Peer, seat: int, token: str, again: bool) -> dict[str, Any]:
        return {
            "connection_id": peer.id, "room_id": self.key,
            "player_name": self.state.seats[seat].name, "position": seat,
            "reconnected": again, "player_token": token,
        }

    # -- bookkeeping -------------------------------------------------------------------------

    def _admit(self, peer: Peer, seat: int, token_hash: str) -> None:
        # The seat rides on the connection, so that a restarted room can recognise it.
        peer.attrs.update(seat=seat, token_hash=token_hash)
        self.audience.admit(peer, seat)
        self._set_active(seat, True)
        self.cancel_timer(_GRACE)

    def _arm_grace(self) -> None:
        if not self.audience.members and not self.timer_active(_GRACE):
            self.start_timer(_GRACE, self.settings.reconnect_grace, m.GraceExpired())

    def _report(self) -> None:
        """Tell the lobby, once durable, if the way the room is listed changed."""
        now = listing(self.state)
        if now != self._reported:
            self._reported = now
            self.after_commit(lambda: self._tell_lobby(m.RoomStatus(self.key, now)))

    def _tell_lobby(self, status: m.RoomStatus) -> None:
        lobby = self.directory.lobby
        if lobby is not None:
            try:
                lobby.tell(status)
            except (MailboxFull, ActorStopped):
                # A restarted lobby asks every room again (ReportStatus): nothing is lost.
                pass
