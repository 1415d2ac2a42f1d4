"""The session actor: one persistent party per Quipflip session, on the party layer.

It owns the session's ``PartyState`` (stored as plain JSON through ``STATE_CONVERTER``) and a
``random.Random`` of its own. Every ask runs one rule (``lobby``, ``rounds``, ``ai``), then the
phases that are complete advance (``phases.advance``), then notifications go to the party's
WebSocket members, numbered and logged, once the step is durable. A refused ask (a rule's
``AppError``) changes nothing and sends nothing.

Timers (re-armed from the state whenever the session is loaded, so a restart loses none):

- ``phase``: at ``phase_expires_at`` the phase ends even if someone still owes a round;
- ``ai``: ``ai_delay`` seconds after a phase starts, AI players play their part;
- ``idle``: in the lobby, when the next human participant who is not connected reaches the
  idle limit (checked again when someone's last connection goes);
- ``abandon``: ``session_max_age`` after creation the session is deleted.

Wallets: a participant's wallet is the player's balance while they are in the session. After
every step that changed human wallets, each changed one is told to the player's account
(``players.WalletUpdate``) once the step is durable; a restored session tells them all again,
which changes nothing where they already arrived.
"""

from __future__ import annotations

import random
import secrets
from functools import partial
from typing import Any

import attrs

from engine import clock
from engine.actors import on
from engine.net import PeerDisconnected
from engine.parties import Birth, FinishParty, Member, Party

from . import ai, errors, lobby, models, phases, rounds, views
from .economy import STARTING_WALLET
from .housekeeping import idle_participants
from .index import Listing
from .messages import (
    AddAI,
    AiTurn,
    Holds,
    IdleCheck,
    Join,
    Leave,
    PhaseTimeout,
    PingPlayers,
    ProcessAI,
    Ready,
    Results,
    Start,
    StartRound,
    Status,
    Submit,
)
from .models import WIRE
from .party import STATE_CONVERTER, PartyState, Phase, new_id
from .players import Accounts, WalletUpdate
from .progress import phase_complete
from .settings import QuipflipSettings

__all__ = ["Connection", "PartySession", "SessionContext"]


@attrs.frozen
class SessionContext:
    """What every session is given: the settings and the players' accounts."""

    settings: QuipflipSettings
    accounts: Accounts


@attrs.frozen
class Connection:
    """A party WebSocket: the client's free-form ``context`` label, and the sequence number
    of the last notification it saw before (re)connecting, if it said."""

    context: str = ""
    last_seq: int | None = None


class PartySession(Party[PartyState, Connection]):
    kind = "quipflip.session"
    state_type = PartyState
    converter = STATE_CONVERTER

    def __init__(self, birth: Birth) -> None:
        super().__init__(birth)
        context: SessionContext = self.context
        self.settings = context.settings
        self.accounts = context.accounts
        self.rng = random.Random(secrets.randbits(64))

    # -- the party layer's hooks ---------------------------------------------------------------

    def initial_state(self) -> PartyState | None:
        # The seed is made before the directory draws the session's id.
        seed = super().initial_state()
        return None if seed is None else attrs.evolve(seed, session_id=self.key)

    async def on_ready(self, restored: bool) -> None:
        now = clock.now()
        age_left = self.state.created_at + self.settings.session_max_age - now
        self.start_timer("abandon", max(0.0, age_left), FinishParty())
        self._arm(now)
        if restored:
            if self.state.phase in (Phase.PROMPT, Phase.COPY, Phase.VOTE):
                self._arm_ai()
            # A step's write-back may have been lost with the process: tell every wallet again.
            for participant in self.state.humans:
                account = await self.accounts.get(participant.player_id)
                if account is not None:
                    account.tell(self._wallet_update(participant.player_id))

    def summary(self) -> Listing:
        return Listing.of(self.state)

    def on_join(self, member: Member[Connection]) -> None:
        if self.state.find(member.user_id) is None:
            raise errors.NotInSession()
        last_seq = member.state.last_seq
        if last_seq is not None and not self.peers.resume(member, last_seq):
            status = views.status_view(self.state, self.peers.users())
            snapshot = models.SessionStatusSnapshot(self.peers.events.seq, status)
            member.send_json(WIRE.unstructure(snapshot))

    def on_message(self, member: Member[Connection], message: Any) -> None:
        """The socket is read-only: what a client sends is ignored (it keeps it alive)."""

    def on_leave(self, member: Member[Connection], gone: PeerDisconnected) -> None:
        if not self.peers.is_connected(member.user_id):
            self._arm(clock.now())  # they may have been idle long enough already

    # -- the lobby -------------------------------------------------------------------------------

    @on(Join)
    def join(self, message: Join) -> models.JoinPartySessionResponse:
        now = clock.now()
        state = lobby.join(self.state, message.newcomer, now)
        if message.elsewhere:
            raise errors.InAnotherSession()
        self.state = state
        self._notify(views.player_joined(state, message.newcomer.player_id, now))
        self._arm(now)
        return views.join_view(state, self.peers.users())

    @on(Leave)
    def leave(self, message: Leave) -> models.LeavePartyResponse:
        departure = lobby.leave(self.state, message.player_id)
        if departure.state is None:
            self.finish()
            return models.LeavePartyResponse(session_deleted=True)
        self._depart(departure, clock.now())
        return models.LeavePartyResponse(session_deleted=False)

    @on(Ready)
    def ready(self, message: Ready) -> models.MarkReadyResponse:
        now = clock.now()
        state = lobby.mark_ready(self.state, message.player_id, now)
        if state is not self.state:
            self.state = state
            self._notify(views.player_ready(state, message.player_id, now))
            self._arm(now)
        return views.ready_view(state, message.player_id)

    @on(AddAI)
    def add_ai(self, message: AddAI) -> models.AddAIPlayerResponse:
        now = clock.now()
        taken = {p.username for p in self.state.participants}
        newcomer = lobby.Newcomer(
            participant_id=new_id(self.rng),
            player_id=new_id(self.rng),
            username=ai.ai_username(self.rng, taken),
            wallet=STARTING_WALLET,
        )
        self.state = lobby.add_ai(self.state, message.caller_id, newcomer, now)
        self._notify(views.player_joined(self.state, newcomer.player_id, now))
        return models.AddAIPlayerResponse(
            newcomer.participant_id, newcomer.player_id, newcomer.username
        )

    @on(PingPlayers)
    def ping(self, message: PingPlayers) -> models.PartyPingResponse:
        ping = lobby.ping(self.state, message.caller_id, clock.now())
        personal = WIRE.unstructure(views.ping_message(ping))
        for player_id in ping.recipients:
            self.after_commit(partial(self.peers.send_to, player_id, personal))
        self.peers.broadcast(WIRE.unstructure(views.host_ping(self.state, ping)), logged=False)
        return models.PartyPingResponse()

    @on(Start)
    async def start(self, message: Start) -> models.StartPartySessionResponse:
        now = clock.now()
        before = self.state
        self.state = lobby.start(before, message.caller_id, now, self.settings.timers)
        self._notify(views.session_started(self.state, now))
        self._arm_ai()
        await self._after(before, now)
        return views.start_view(self.state, self.peers.users())

    @on(IdleCheck)
    def idle_check(self, _: IdleCheck) -> None:
        now = clock.now()
        idle = idle_participants(self.state, now, self.settings.idle_timeout, self.peers.users())
        for player_id in idle:
            departure = lobby.leave(self.state, player_id)
            if departure.state is None:
                self.finish()
                return
            self._depart(departure, now)
        self._arm(now)

    # -- reading ---------------------------------------------------------------------------------

    @on(Status)
    def status(self, _: Status) -> models.PartySessionStatusResponse:
        return views.status_view(self.state, self.peers.users())

    @on(Results)
    def results(self, _: Results) -> models.PartyResultsResponse:
        return views.results_view(self.state)

    @on(Holds)
    def holds(self, message: Holds) -> bool:
        return self.summary().holds(message.player_id)

    # -- playing ---------------------------------------------------------------------------------

    @on(StartRound)
    async def start_round(self, message: StartRound) -> models.StartPartyRoundResponse:
        now = clock.now()
        before = self.state
        self.state, round_ = rounds.start_round(
            before, message.player_id, message.kind, now, self.rng
        )
        await self._after(before, now)
        return views.round_view(self.state, round_)

    @on(Submit)
    async def submit(self, message: Submit) -> models.SubmitPartyRoundResponse:
        now = clock.now()
        before = self.state
        before.participant(message.player_id)  # outsiders hear "Not in this session"
        self.state, submission = rounds.submit(
            before, message.player_id, message.round_id, message.phrase, now
        )
        kind = submission.round.kind
        self._notify(views.progress_update(self.state, message.player_id, kind, now))
        await self._after(before, now)
        return views.submit_view(self.state, submission, before.phase)

    @on(ProcessAI)
    async def process_ai(self, message: ProcessAI) -> models.ProcessAIResponse:
        lobby.check_host(self.state, message.caller_id, "trigger AI submissions")
        phase = self.state.phase
        submitted = await self._play_ai()
        stats = models.AIStats(phase, submitted, self.state.phase is not phase)
        return models.ProcessAIResponse(stats)

    @on(AiTurn)
    async def ai_turn(self, _: AiTurn) -> None:
        await self._play_ai()

    @on(PhaseTimeout)
    async def phase_timeout(self, _: PhaseTimeout) -> None:
        now = clock.now()
        if not phases.timed_out(self.state, now):
            self._arm(now)  # woken a hair early: wait for the rest
            return
        before = self.state
        self.state = self._advance(before, now)
        await self._after(before, now)

    # -- helpers ---------------------------------------------------------------------------------

    async def _play_ai(self) -> int:
        """Every AI player's part of the current phase, one notification per player; how many
        rounds they submitted."""
        now = clock.now()
        before = self.state
        submitted = 0
        for participant in before.active:
            if not participant.is_ai:
                continue
            state, played = ai.play_turns(self.state, [participant.player_id], now, self.rng)
            if played:
                self.state = state
                submitted += len(played)
                kind = played[-1][1].round.kind
                self._notify(views.progress_update(state, participant.player_id, kind, now))
        await self._after(before, now)
        return submitted

    async def _after(self, before: PartyState, now: float) -> None:
        """End a step: the phases that are complete advance, timers follow the state, and
        the human wallets the step changed are written back once it is durable."""
        while phase_complete(self.state):
            self.state = self._advance(self.state, now)
        self._arm(now)
        for participant in self.state.humans:
            earlier = before.find(participant.player_id)
            if earlier is not None and earlier.wallet == participant.wallet:
                continue
            account = await self.accounts.get(participant.player_id)
            if account is not None:
                update = self._wallet_update(participant.player_id)
                self.after_commit(partial(account.tell, update))

    def _advance(self, state: PartyState, now: float) -> PartyState:
        old = state.phase
        state = phases.advance(state, now, self.rng, self.settings.timers)
        self._notify(views.phase_transition(state, old, now))
        if state.phase is Phase.RESULTS:
            self._notify(views.session_completed(state, now))
            self.cancel_timer("ai")
        else:
            self._arm_ai()
        return state

    def _depart(self, departure: lobby.Departure, now: float) -> None:
        assert departure.state is not None
        self.state = departure.state
        leaver = departure.leaver.player_id
        self._notify(views.player_left(departure, now))
        for member in self.peers.connections(leaver):
            self.after_commit(partial(member.close, 1000, "left the session"))
        self._arm(now)

    def _arm(self, now: float) -> None:
        expires = self.state.phase_expires_at
        if expires is None:
            self.cancel_timer("phase")
        else:
            self.start_timer("phase", max(0.0, expires - now), PhaseTimeout())
        deadline = self._idle_deadline()
        if deadline is None:
            self.cancel_timer("idle")
        else:
            self.start_timer("idle", max(0.0, deadline - now), IdleCheck())

    def _arm_ai(self) -> None:
        if any(p.is_ai for p in self.state.active):
            self.start_timer("ai", self.settings.ai_delay, AiTurn())

    def _idle_deadline(self) -> float | None:
        """When the next lobby participant who is not connected becomes idle."""
        if self.state.started:
            return None
        connected = self.peers.users()
        deadlines = [
            max(p.joined_at, p.ready_at or p.joined_at) + self.settings.idle_timeout
            for p in self.state.humans
            if p.player_id not in connected
        ]
        return min(deadlines, default=None)

    def _notify(self, notification: Any) -> None:
        self.peers.broadcast(WIRE.unstructure(notification))

    def _wallet_update(self, player_id: str) -> WalletUpdate:
        participant = self.state.participant(player_id)
        return WalletUpdate(self.key, participant.joined_at, self.state.version, participant.wallet)
