"""Small helpers for the engine's own classes."""

from __future__ import annotations

from typing import Any


class NoPublicConstructor(type):
    """Metaclass for handles only the engine makes (``ActorRef``, ``Peer``): ``Cls(...)`` raises.

    The runtime builds them with ``Cls._create(...)``.
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{cls.__module__}.{cls.__qualname__} has no public constructor")

    def _create(cls, *args: Any, **kwargs: Any) -> Any:
        return super().__call__(*args, **kwargs)
