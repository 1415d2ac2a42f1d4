"""Supervision: OTP strategies, restart types and intensity, and the actor system's root."""

from ._errors import ChildFailed as ChildFailed
from ._errors import ChildStartFailed as ChildStartFailed
from ._errors import SupervisorFailed as SupervisorFailed
from ._snapshot import ActorNode as ActorNode
from ._snapshot import CrashReport as CrashReport
from ._snapshot import SupervisorNode as SupervisorNode
from ._spec import ActorSpec as ActorSpec
from ._spec import Backoff as Backoff
from ._spec import ChildSpec as ChildSpec
from ._spec import RestartType as RestartType
from ._spec import Strategy as Strategy
from ._spec import SupervisorSpec as SupervisorSpec
from ._supervisor import Supervisor as Supervisor
from ._system import ActorSystem as ActorSystem
from ._system import open_actor_system as open_actor_system
