"""The code examples of the documentation run, so that they stay true.

Every fenced block whose info string is ``python test`` in ``README.md`` or ``docs/*.md`` is a
complete program: it is executed on its own (in a fresh namespace, as ``__main__``) and must
finish without raising. Other ``python`` blocks are sketches and are not run. Examples serve on
loopback port 0 and use the memory store, so they need nothing from the machine.
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```python test[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


@attrs.frozen
class Example:
    document: Path
    line: int
    code: str

    @property
    def name(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.line}"


def examples() -> list[Example]:
    found = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            line = text.count("\n", 0, match.start(1)) + 1
            found.append(Example(document, line, match.group(1)))
    return found


EXAMPLES = examples()


def test_the_docs_have_examples_to_run() -> None:
    assert {e.document.name for e in EXAMPLES} >= {"embedding.md", "operations.md"}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.name)
def test_example_runs(example: Example) -> None:
    # Synchronous on purpose: each example calls trio.run itself, as a reader's program would.
    code = compile(example.code, example.name, "exec")
    exec(code, {"__name__": "__main__", "__file__": str(example.document)})
