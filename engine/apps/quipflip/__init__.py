"""Quipflip party mode: a phrase game for 2 to 9 players, humans and AI, in a lobby and three
rounds (write an original, copy others', spot the originals), with coins won and lost.

Rules, all pure functions over frozen values (no runtime import): ``party`` (the session
value), ``lobby``, ``rounds``, ``progress`` (quotas), ``assignment`` (who copies and votes on
what), ``phases``, ``economy``, ``results``, ``ai``, ``phrases``, ``prompts``, ``codes``,
``housekeeping`` and ``errors``. The API's JSON: ``models`` (bodies and notifications) and
``views`` (a session as each of them). ``settings`` holds what can be configured.

On the runtime: ``session`` (one persistent party actor per session, asked with
``messages``), ``players`` (one persistent actor per player account), ``index`` (party codes
and members, from the sessions' listings), ``routes`` (HTTP and the party WebSocket) and
``app`` (the ``AppSpec`` served by ``party-engine serve``).
"""

from .party import PartyConfig as PartyConfig
from .party import PartyState as PartyState
from .party import Phase as Phase
from .party import PhaseTimers as PhaseTimers
from .party import SessionStatus as SessionStatus
from .settings import QuipflipSettings as QuipflipSettings
