"""The actor runtime: actors, refs, mailboxes, timers, watch, registry and topics."""

from ._actor import Actor as Actor
from ._actor import UnhandledMessage as UnhandledMessage
from ._actor import on as on
from ._cell import Cell as Cell
from ._cell import CellStatistics as CellStatistics
from ._errors import ActorCrashed as ActorCrashed
from ._errors import ActorError as ActorError
from ._errors import ActorStopped as ActorStopped
from ._errors import AskTimeout as AskTimeout
from ._errors import MailboxFull as MailboxFull
from ._errors import NameTaken as NameTaken
from ._errors import Rejection as Rejection
from ._errors import StashFull as StashFull
from ._mailbox import Mailbox as Mailbox
from ._mailbox import MailboxStatistics as MailboxStatistics
from ._mailbox import Overflow as Overflow
from ._messages import ReceiveTimeout as ReceiveTimeout
from ._messages import Terminated as Terminated
from ._ref import DEFAULT_ASK_TIMEOUT as DEFAULT_ASK_TIMEOUT
from ._ref import ActorRef as ActorRef
from ._registry import Registry as Registry
from ._topic import Topic as Topic
from ._topic import TopicStatistics as TopicStatistics
from ._util import NoPublicConstructor as NoPublicConstructor
