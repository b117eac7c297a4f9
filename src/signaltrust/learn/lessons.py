"""Lessons: Markdown pages bundled with the package, each with runnable examples and a quiz.

A lesson is ``lessons/NN_<id>.md``: a ``# title``, a first paragraph (the summary), sections
with ```python blocks that run in order in one namespace on the bundled data, and a
``## Quiz`` section read by :mod:`signaltrust.learn.quiz`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from signaltrust.core.errors import ValidationError

_FILE = re.compile(r"^(\d+)_([a-z0-9_]+)\.md$")
_CODE = re.compile(r"```python\n(.*?)```", re.S)


@dataclass(frozen=True)
class Lesson:
    """One lesson: its id, order, title, summary and Markdown text."""

    id: str
    order: int
    title: str
    summary: str
    markdown: str

    @property
    def body(self) -> str:
        """The lesson without its quiz (what a reader sees before answering)."""
        return self.markdown.split("\n## Quiz", 1)[0].rstrip() + "\n"

    @property
    def code_blocks(self) -> list[str]:
        """The Python examples, in the order they run."""
        return _CODE.findall(self.body)

    def __plain__(self) -> dict[str, Any]:
        return {"id": self.id, "order": self.order, "title": self.title, "summary": self.summary,
                "examples": len(self.code_blocks)}


def _parse(name: str, text: str) -> Lesson:
    match = _FILE.match(name)
    if match is None:
        raise ValidationError("a lesson file is misnamed", field="lesson", value=name,
                              fix="name it NN_<id>.md, e.g. 01_market_mechanics.md")
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# "):
        raise ValidationError("a lesson has no title", field="lesson", value=name,
                              fix="start the file with '# <title>'")
    paragraphs = [p.strip() for p in "\n".join(lines[1:]).split("\n\n") if p.strip()]
    summary = " ".join(paragraphs[0].split()) if paragraphs else ""
    return Lesson(id=match.group(2), order=int(match.group(1)), title=lines[0][2:].strip(),
                  summary=summary, markdown=text)


def load_lessons() -> list[Lesson]:
    """Every bundled lesson, in teaching order."""
    folder = resources.files("signaltrust.learn") / "lessons"
    found = [_parse(entry.name, entry.read_text(encoding="utf-8"))
             for entry in folder.iterdir() if entry.name.endswith(".md")]
    return sorted(found, key=lambda lesson: lesson.order)


def get_lesson(lesson_id: str, lessons: list[Lesson] | None = None) -> Lesson:
    """The lesson ``lesson_id``; an unknown id raises ValidationError naming the known ones."""
    known = lessons if lessons is not None else load_lessons()
    for lesson in known:
        if lesson.id == lesson_id:
            return lesson
    raise ValidationError("no such lesson", field="lesson", value=lesson_id,
                          fix="choose one of: " + ", ".join(lesson.id for lesson in known))


@contextmanager
def _inside(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def run_lesson(lesson: Lesson, folder: str | Path) -> dict[str, Any]:
    """Run a lesson's examples in order, in one namespace, inside ``folder`` (files they write
    land there); returns the namespace. An example that fails raises its own exception."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    namespace: dict[str, Any] = {"__name__": f"__lesson_{lesson.id}__"}
    with _inside(folder):
        for index, block in enumerate(lesson.code_blocks):
            exec(compile(block, f"lesson {lesson.id} example {index + 1}", "exec"), namespace)
    return namespace


__all__ = ["Lesson", "get_lesson", "load_lessons", "run_lesson"]
