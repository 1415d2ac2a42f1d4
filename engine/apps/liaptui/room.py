"""The room party: one Liap Tui table, its players' connections, its seats and its listing.

A `RoomActor` is a party (`engine.parties.Party`) over a `RoomState` (its game is played by the
`GameTable` it extends): every message that changes the room is committed to the store before
anyone hears of it, and after a crash or a restart the room comes back from its last commit,
events included, and re-arms its clocks. Its lifecycle:

- the lobby creates it with its first state (`new_room`): the creator's seat is held for her.
- ``on_ready``: the state is in place (new, or restored): the seats the connections say they
  play are checked against the state (a join that crashed is undone), humans without a
  connection are marked away until they are back, the clocks are planned.
- joins, leaves and moves arrive from players' connections (``on_message``); bots' moves,
  timeouts, the next deal and the reconnect grace arrive as timer messages (see `pacing`).
- once no human has been connected for the reconnect grace the room closes itself (``finish``:
  deleted from the store, its connections closed).

A request the room refuses is answered with an ``error`` / ``validation_error`` event to its
sender only, and changes nothing: the handler raises the `LiaptuiError` (an engine
``AppError``), so the runtime rolls back the state, the recorded events and the sends not yet
made. The room is listed in the lobby as its `summary` says.
"""

from __future__ import annotations

from typing import Any

import attrs

from engine import clock
from engine.actors import on
from engine.net import PeerDisconnected
from engine.parties import Member

from . import events as e
from . import game as rules
from . import messages as m
from .errors import (
    AlreadyInRoom,
    AuthenticationFailed,
    ConnectionReplaced,
    GameNotStarted,
    MaintenanceMode,
    NotYourTurn,
)
from .outcomes import Declare, Play, RedealDecision
from .protocol import ROOM_EVENTS, negotiate_version, parse, pong
from .seating import Admission, Arrival, admit, fill_with_bots, mark_away
from .state import (
    RoomState,
    Seat,
    full_state,
    listing,
    new_token,
    players_data,
    room_data,
)
from .table import VISITOR, Connection, GameTable, seat_user
from .views import game_state

__all__ = ["RoomActor", "new_room"]

_GRACE = "grace"


def new_room(request: m.CreateRoom, action_timeout: float, now: float) -> tuple[RoomState, str]:
    """The first state of the room ``request`` asks for, and the token of the creator's held
    seat. The room id is the directory's to draw: the room fills it in (`initial_state`)."""
    token, token_hash = new_token()
    state = RoomState(
        "",
        room_name=request.room_name,
        creator=request.player_name,
        is_public=request.is_public,
        created_at=now,
        action_timeout=request.action_timeout or action_timeout,
        seats=(Seat(request.player_name, token_hash, claimed=False), None, None, None),
    )
    return state, token


class RoomActor(GameTable):
    """One room, saved under ``("liaptui.room", room_id)``; made by the rooms' directory."""

    # -- lifecycle ---------------------------------------------------------------------------

    def initial_state(self) -> RoomState | None:
        seed = super().initial_state()
        return None if seed is None else attrs.evolve(seed, room_id=self.key)

    async def on_ready(self, restored: bool) -> None:
        if restored:
            self._reconcile()
            # A human without a connection is away until back (and not replaced by a bot: the
            # server went away, or the room crashed; the player did not leave).
            present = self._connected_seats()
            for seat in self._humans():
                self._set_active(seat, seat in present)
            self._plan()
        self._arm_grace()

    def summary(self) -> m.RoomListing | None:
        return listing(self.state)

    async def on_stop(self, reason: Any) -> None:
        if reason == "shutdown":
            notice = self.errors.event(MaintenanceMode())
            for member in self._seated().values():
                member.send_json(notice)
        await super().on_stop(reason)

    # -- from timers -------------------------------------------------------------------------

    @on(m.GraceExpired)
    def grace_expired(self, message: m.GraceExpired) -> None:
        if not self._seated():
            self.finish()

    # -- connections -------------------------------------------------------------------------

    def on_leave(self, member: Member[Connection], gone: PeerDisconnected) -> None:
        seat = member.state.seat
        if seat is None:
            return
        held = self.state.occupant(seat)
        self._set_seat(seat, attrs.evolve(held, gone_at=self.peers.events.seq))
        # The server closing every connection on its way down (1001) is no player leaving.
        if gone.code == 1001 and not gone.by_peer:
            self._set_active(seat, False)
        else:
            self._hand_to_bot(seat, "disconnected")
        self._arm_grace()

    def on_message(self, member: Member[Connection], message: Any) -> None:
        request = parse(message, ROOM_EVENTS)
        if isinstance(request, m.Ping):
            self._tell(member, "pong", pong(request, now=clock.now()))
        elif isinstance(request, m.VersionInfo):
            for event, data in negotiate_version(request):
                self._tell(member, event, data)
        elif isinstance(request, m.JoinRoom):
            self._join(member, request)
        else:
            seat = self._seat_of(member, getattr(request, "player_name", None))
            if isinstance(request, m.SyncRequest):
                self._sync(member, request.last_sequence)
            elif isinstance(request, m.LeaveRoom):
                self._leave(member, seat)
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

    def _seat_of(self, member: Member[Connection], player_name: str | None) -> int:
        seat: int | None = member.state.seat
        if seat is None:
            raise AuthenticationFailed("Join the room first", {"reason": "not_joined"})
        name = self.state.occupant(seat).name
        if player_name is not None and player_name != name:
            raise AuthenticationFailed(
                f"This connection plays as {name}", {"reason": "name_mismatch", "player_name": name}
            )
        return seat

    def _reconcile(self) -> None:
        """Unseat the connections whose seat the last commit does not give them (their join
        was the message that crashed): they are visitors, and may join again."""
        for member in self.peers:
            seat = member.state.seat
            if seat is None:
                continue
            held = self.state.occupant(seat)
            # Claimed (not the creator's held seat), not a bot's, and still this token's.
            kept = (
                held is not None
                and held.claimed
                and not held.is_bot
                and held.token_hash == member.state.token_hash
            )
            if not kept:
                self._unseat(member)

    # -- joining and leaving -----------------------------------------------------------------

    def _join(self, member: Member[Connection], request: m.JoinRoom) -> None:
        if member.state.seat is not None:
            raise AlreadyInRoom(details={"position": member.state.seat})
        admission = admit(self.state, request.player_name, request.player_token)
        if admission.arrival is Arrival.NEWCOMER:
            self._seat_newcomer(member, request.player_name, admission)
        else:
            self._seat_returning(member, admission, request.last_sequence)

    def _seat_newcomer(self, member: Member[Connection], name: str, admission: Admission) -> None:
        seat = admission.seat
        self._set_seat(seat, Seat(name, admission.token_hash))
        self._sit(member, seat, admission.token_hash)
        connected = self._connected_data(member, seat, admission.token, False)
        self._tell(member, "connected", connected)
        room = attrs.asdict(room_data(self.state), recurse=False)
        joined = e.RoomJoined(**room, position=seat, player_token=admission.token, game_state=None)
        self._tell(member, "room_joined", joined)
        self._broadcast(
            "player_joined", e.PlayerJoined(name, seat, False, timestamp=clock.now()), exclude=seat
        )

    def _seat_returning(
        self, member: Member[Connection], admission: Admission, last_sequence: int | None
    ) -> None:
        seat = admission.seat
        held = self.state.occupant(seat)
        replaced = next(iter(self.peers.connections(seat_user(seat))), None)
        if replaced is not None:
            self.peers.remove(replaced.peer)
            replaced.send_json(self.errors.event(ConnectionReplaced()))
            replaced.close(1000, "replaced by a newer connection")
        self._set_bot(seat, False)
        self._sit(member, seat, admission.token_hash)
        connected = self._connected_data(member, seat, admission.token, True)
        self._tell(member, "connected", connected)
        if last_sequence is not None:
            since = last_sequence
        elif replaced is not None:
            since = member.joined_at  # the older connection, still open, saw everything
        else:
            since = held.gone_at
        missed = self.peers.events.since(since, upto=member.joined_at)
        if missed is not None:
            self.after_commit(lambda: self.peers.resume(member, since))
        game = self.state.game
        reconnected = e.Reconnected(
            **attrs.asdict(connected, recurse=False),
            missed_events=len(missed or ()),
            events_replayed=missed is not None,
            current_sequence=self.peers.events.seq,
            players=players_data(self.state),
            game_state=game_state(game) if game is not None else None,
        )
        self._tell(member, "reconnected", reconnected)
        if game is not None and self.state.in_game:
            self._send_hand(game, seat)
        returned = e.PlayerJoined(held.name, seat, False, reconnected=True, timestamp=clock.now())
        self._broadcast("player_joined", returned, exclude=seat)
        self._plan(fresh={seat})

    def _leave(self, member: Member[Connection], seat: int) -> None:
        self._unseat(member)
        name = self.state.occupant(seat).name
        self._tell(member, "room_left", e.RoomLeft(self.key, name))
        left = e.PlayerLeft(name, seat, clock.now())
        if self.state.in_game:
            # The seat stays in the game, played by a bot for good: nobody can take it back.
            self._set_seat(seat, Seat(name, is_bot=True))
            self._broadcast("player_left", left)
            self._hand_to_bot(seat, "left")
        else:
            self._set_seat(seat, None)
            heir = next(iter(self._humans(connected=True)), None)
            if name == self.state.creator and heir is not None:
                new_host = self.state.occupant(heir).name
                left = attrs.evolve(left, new_host=new_host)
                self.state = attrs.evolve(self.state, creator=new_host)
            self._broadcast("player_left", left)
        self._arm_grace()

    # -- starting ----------------------------------------------------------------------------

    def _start(self, seat: int) -> None:
        state = self.state
        if state.occupant(seat).name != state.creator:
            raise AuthenticationFailed(
                "Only the room's creator can start the game",
                {"reason": "not_creator", "host_name": state.creator},
            )
        if state.in_game:
            raise NotYourTurn(
                "The game has already started",
                {"reason": "game_in_progress", "phase": str(state.current_game.phase)},
            )
        self.state, filled = fill_with_bots(state)
        for index in filled:
            bot = self.state.occupant(index).name
            self._broadcast(
                "player_joined", e.PlayerJoined(bot, index, True, timestamp=clock.now())
            )
        seats = [self.state.occupant(index) for index in range(len(self.state.seats))]
        game, outcomes = rules.start_game(
            [s.name for s in seats], self.rng, [s.is_bot for s in seats]
        )
        away = [index for index in self._humans() if seats[index].is_bot]
        self.state = attrs.evolve(self.state, game_started_at=clock.now())
        self._broadcast("game_started", e.GameStarted(players_data(self.state), state.creator))
        self._advance(*mark_away(game, outcomes, away))

    # -- answers -----------------------------------------------------------------------------

    def _sync(self, member: Member[Connection], last_sequence: int) -> None:
        events = self.peers.events
        missed = events.events_since(last_sequence)
        response = e.SyncResponse(
            current_sequence=events.seq,
            missed_events=tuple(
                e.MissedEvent(sent["sequence_number"], sent["event"], sent["data"])
                for sent in missed or ()
            ),
            events_complete=missed is not None,
            full_state=full_state(self.state),
        )
        self._tell(member, "sync_response", response)

    def _connected_data(
        self, member: Member[Connection], seat: int, token: str, again: bool
    ) -> e.Connected:
        return e.Connected(
            connection_id=member.peer.id,
            room_id=self.key,
            player_name=self.state.occupant(seat).name,
            position=seat,
            reconnected=again,
            player_token=token,
        )

    # -- bookkeeping -------------------------------------------------------------------------

    def _sit(self, member: Member[Connection], seat: int, token_hash: str) -> None:
        """File ``member`` as ``seat``'s connection: from now on it gets the room's events."""
        member.state = Connection(seat, token_hash)
        self.peers.reassign(member, seat_user(seat))
        # What a resume may replay to it: the events given out before it was seated.
        member.joined_at = self.peers.events.seq
        self._set_active(seat, True)
        self.cancel_timer(_GRACE)

    def _unseat(self, member: Member[Connection]) -> None:
        member.state = Connection()
        # Visitors share a user id, not a limit: each counts on its own again.
        self.peers.reassign(member, VISITOR, own_limit=True)

    def _arm_grace(self) -> None:
        if not self._seated() and not self.timer_active(_GRACE):
            self.start_timer(_GRACE, self.settings.reconnect_grace, m.GraceExpired())
