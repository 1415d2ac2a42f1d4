"""Incoming data frames joined into whole messages, under a size limit."""

from __future__ import annotations

from typing import cast, final

import attrs

from ._ws_errors import MessageTooBig

__all__ = ["MessageAssembler"]


@final
@attrs.define(eq=False)
class MessageAssembler:
    """Joins the payloads of one message's frames, as wsproto decodes them, into the message.

    Payloads are `str` for text messages (wsproto validates and decodes UTF-8 across frames)
    and `bytes` for binary ones. Sizes count UTF-8 bytes for text, like the wire does.
    """

    max_size: int
    _parts: list[str | bytes] = attrs.field(init=False, factory=list)
    _size: int = attrs.field(init=False, default=0)
    _skipping: bool = attrs.field(init=False, default=False)

    def add(self, payload: str | bytes, finished: bool) -> str | bytes | None:
        """The whole message if `payload` completes one, else None.

        Raises MessageTooBig when the message grows past `max_size`; what was gathered is
        dropped and the rest of that message is skipped, so the next message starts clean.
        """
        if self._skipping:
            self._skipping = not finished
            return None
        # isascii() is O(1) on str, so the encode is paid only by non-ASCII text.
        if isinstance(payload, bytes) or payload.isascii():
            self._size += len(payload)
        else:
            self._size += len(payload.encode("utf-8"))
        if self._size > self.max_size:
            self._parts.clear()
            self._size = 0
            self._skipping = not finished
            raise MessageTooBig(self.max_size)
        if not finished:
            self._parts.append(payload)
            return None
        self._size = 0
        if not self._parts:
            return payload
        self._parts.append(payload)
        # The parts of one message are all text or all binary (continuations keep the opcode).
        if isinstance(payload, str):
            message: str | bytes = "".join(cast("list[str]", self._parts))
        else:
            message = b"".join(cast("list[bytes]", self._parts))
        self._parts.clear()
        return message
