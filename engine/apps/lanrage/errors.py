"""LANrage's refusals, each an ``engine.errors`` kind with its status and ``detail`` text.

::

    AppError
    ├── InvalidInput                                                    400
    │   ├── InvalidField        a body field is missing, mistyped or out of range
    │   ├── InvalidKey          not a WireGuard key / peer id
    │   └── NotInParty          leave (or a party action) with no current party
    ├── Unauthorized
    │   └── ControlTokenRefused control-plane call without the right token  401
    ├── NotFound
    │   ├── PartyNotFound       no party with that id                       404
    │   └── NotAMember          the peer is not in that party               404
    ├── Conflict
    │   ├── AlreadyInParty      create or join while in a party             409
    │   └── PartyFull           every virtual IP of the /24 is taken        409
    └── ControlPlaneUnavailable the remote control plane did not answer     503

The message is the body's ``detail`` (``{"detail": "Party not found"}``); ``details`` on
``InvalidField`` names each offending field.
"""

from __future__ import annotations

from typing import ClassVar

from engine.errors import AppError, Conflict, InvalidInput, NotFound, Unauthorized

__all__ = [
    "AlreadyInParty",
    "ControlPlaneUnavailable",
    "ControlTokenRefused",
    "InvalidField",
    "InvalidKey",
    "NotAMember",
    "NotInParty",
    "PartyFull",
    "PartyNotFound",
]


class InvalidField(InvalidInput):
    """A request body that does not match its schema; ``details`` maps each field at fault
    (``name``, ``peer.public_key``) to what is wrong with it."""

    code = "validation_error"
    default_message = "Invalid request body"


class InvalidKey(InvalidInput):
    code = "invalid_key"
    default_message = "Invalid key"


class NotInParty(InvalidInput):
    code = "not_in_party"
    default_message = "Not in a party"


class ControlTokenRefused(Unauthorized):
    code = "invalid_token"
    default_message = "Missing or invalid control-plane token"


class PartyNotFound(NotFound):
    code = "party_not_found"
    default_message = "Party not found"


class NotAMember(NotFound):
    code = "not_a_member"
    default_message = "Peer is not in this party"


class AlreadyInParty(Conflict):
    code = "already_in_party"
    default_message = "Already in a party; leave it first"


class PartyFull(Conflict):
    code = "party_full"
    default_message = "The party is full"


class ControlPlaneUnavailable(AppError):
    status: ClassVar[int] = 503
    code = "control_plane_unavailable"
    default_message = "The control plane is unavailable"
