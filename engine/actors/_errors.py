"""The runtime's errors, split by cause.

::

    ActorError
    ├── Rejection          a handler refused a request; the asker gets this very exception
    ├── AskTimeout         no reply within the ask's timeout (the message may still be handled)
    ├── ActorCrashed       the handler raised something unexpected; the actor restarts or stops
    ├── ActorStopped       the actor is gone for good; nothing will handle the message
    ├── MailboxFull        a FAIL (or BLOCK, for tell) mailbox is at capacity; nothing was queued
    ├── NameTaken          another live actor holds that registry name
    └── StashFull          the actor stashed more messages than its stash bound

A ``Rejection`` is an expected outcome (room full, wrong phase, not the host): it travels back to
the asker unchanged and the actor carries on. Any other exception from a handler is a bug: the
actor crashes and the asker gets ``ActorCrashed`` with the original as ``__cause__``.
"""

from __future__ import annotations

import abc

from engine.errors import AppError


class ActorError(Exception):
    """Base of every error the actor runtime raises."""


class Rejection(ActorError, metaclass=abc.ABCMeta):
    """A domain error: the request was refused and the actor's state is unchanged.

    Apps subclass it (``RoomFull(Rejection)``), or register an error base of their own with
    ``Rejection.register(RuleError)`` so that pure rule modules import nothing from the runtime.
    The asker receives the same instance.
    """


# The apps' rule errors are rejections without importing the runtime.
Rejection.register(AppError)


class AskTimeout(ActorError):
    """No reply arrived in time. The message stays queued and may still be handled."""


class ActorCrashed(ActorError):
    """The actor raised an unexpected exception while handling this message."""


class ActorStopped(ActorError):
    """The actor has stopped for good, or stopped before handling this message."""


class MailboxFull(ActorError):
    """The mailbox is at capacity and its policy refuses new messages."""


class NameTaken(ActorError):
    """The registry name is held by another live actor."""


class StashFull(ActorError):
    """The actor's stash is at its bound."""
