"""Unique names for live actors."""

from __future__ import annotations

from collections.abc import Hashable, Iterator

import attrs

from ._errors import NameTaken
from ._ref import ActorRef


@attrs.define(eq=False)
class Registry:
    """Maps names such as ``("liaptui.room", "ABCD1234")`` to live actors.

    A name is freed when its actor stops for good. ``register`` is synchronous, so a caller that
    checks and registers without awaiting in between cannot race another task: this is what makes
    the supervisors' get-or-start race-free.
    """

    _names: dict[Hashable, ActorRef] = attrs.field(factory=dict)

    def register(self, name: Hashable, ref: ActorRef) -> None:
        """Bind ``name`` to ``ref``; raises ``NameTaken`` if a live actor holds it."""
        held = self._names.get(name)
        if held is not None and held.alive and held != ref:
            raise NameTaken(f"{name!r} is taken by {held!r}")
        self._names[name] = ref
        ref._cell.on_finalize(lambda: self._release(name, ref))

    def lookup(self, name: Hashable) -> ActorRef | None:
        ref = self._names.get(name)
        return ref if ref is not None and ref.alive else None

    def names(self, kind: Hashable | None = None) -> Iterator[Hashable]:
        """Every live name, or those that are tuples starting with ``kind``."""
        for name, ref in list(self._names.items()):
            if ref.alive and (kind is None or (isinstance(name, tuple) and name[0] == kind)):
                yield name

    def __len__(self) -> int:
        return len(self._names)

    def _release(self, name: Hashable, ref: ActorRef) -> None:
        if self._names.get(name) is ref:
            del self._names[name]
