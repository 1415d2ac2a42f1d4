"""Durable state for actors: versioned records with event logs, written by one group-committing
writer. SQLite by default, PostgreSQL for deployments, memory for tests.

``engine.store.testing`` runs a throwaway PostgreSQL server for tests.
"""

from ._errors import StoreClosed as StoreClosed
from ._errors import StoreError as StoreError
from ._errors import VersionConflict as VersionConflict
from ._latency import LatencyHistogram as LatencyHistogram
from ._open import open_store as open_store
from ._ops import JsonText as JsonText
from ._persistent import STATE_CONVERTER as STATE_CONVERTER
from ._persistent import NotSaved as NotSaved
from ._persistent import PersistentActor as PersistentActor
from ._persistent import Superseded as Superseded
from ._persistent import get_or_restore as get_or_restore
from ._record import Record as Record
from ._record import StoreStatistics as StoreStatistics
from ._store import Store as Store
from ._writer_thread import prompt_handoffs as prompt_handoffs
