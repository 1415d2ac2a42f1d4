"""engine.errors: refusals survive pickling (a cluster's nodes send them to each other)."""

from __future__ import annotations

import pickle

from engine.errors import AppError, NotFound, RateLimited


class WrongTurn(NotFound):
    code = "wrong_turn"

    def __init__(self, player: str, turn: int) -> None:
        super().__init__(f"{player} may not play turn {turn}", details={"turn": turn})


def test_a_refusal_comes_back_from_pickle_unchanged_whatever_its_constructor() -> None:
    for error in (
        WrongTurn("Ada", 3),
        RateLimited("slow down", retry_after=2.5),
        AppError("custom", code="custom_code"),
    ):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert (copy.message, copy.code, copy.details, copy.args) == (
            error.message,
            error.code,
            error.details,
            error.args,
        )
    assert pickle.loads(pickle.dumps(RateLimited(retry_after=2.5))).retry_after == 2.5
