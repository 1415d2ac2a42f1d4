"""Parties: the layer an app's realtime rooms are built on (between ``net`` and ``web``).

A ``PartyDirectory`` creates, finds, restores, lists and finishes the parties of one kind; a
``Party`` is a persistent actor with lifecycle hooks and a ``PeerGroup`` of its connections
that outlives its crashes; ``serve_member`` is a party WebSocket route's body.
"""

from ._directory import Cluster as Cluster
from ._directory import PartyDirectory as PartyDirectory
from ._directory import PartyDirectoryStatistics as PartyDirectoryStatistics
from ._directory import Placement as Placement
from ._directory import join_cluster as join_cluster
from ._directory import start_party_directory as start_party_directory
from ._errors import PartyErrors as PartyErrors
from ._errors import refusal_close_code as refusal_close_code
from ._group import Member as Member
from ._group import PeerGroup as PeerGroup
from ._group import PeerGroupStatistics as PeerGroupStatistics
from ._ids import UNAMBIGUOUS as UNAMBIGUOUS
from ._ids import IdScheme as IdScheme
from ._ids import JoinCodes as JoinCodes
from ._ids import UuidIds as UuidIds
from ._party import Birth as Birth
from ._party import FinishParty as FinishParty
from ._party import Party as Party
from ._serve import Admission as Admission
from ._serve import serve_member as serve_member
