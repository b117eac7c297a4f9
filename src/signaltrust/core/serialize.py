"""One serialisation for every result: ``to_plain(obj)`` gives JSON-ready plain data.

Every ``--json`` of the CLI and every answer of the API goes through :func:`to_plain`, so a
result prints the same shape wherever it is shown.

>>> import json
>>> from signaltrust.core.serialize import to_plain
>>> json.dumps(to_plain({"sharpe": float("nan"), "fee": Decimal("0.10")}))
'{"sharpe": null, "fee": "0.10"}'

What it turns into what:

- ``None``, ``bool``, ``int``, ``str`` stay; a float stays unless it is NaN or infinite, which
  becomes ``None`` (JSON has neither);
- an object with a ``__plain__()`` method becomes what that method returns, made plain in turn:
  this is how a result type says what it contains (its headline figures and tables, not the
  estimator or the study it also holds);
- dataclasses become a dict of their fields, pydantic models a dict of ``model_dump()``; secrets
  stay masked;
- mappings become dicts with string keys (a timestamp key in ISO 8601); lists, tuples, sets
  and pandas Index become lists;
- ``Decimal`` becomes its exact text (``"0.10"``): a JSON number would round it;
- enums become their value; paths and UUIDs their text;
- dates and times (``datetime``, ``pandas.Timestamp``, ``numpy.datetime64``) become ISO 8601,
  ``NaT`` and ``pandas.NA`` become ``None``; durations become pandas' text
  (``"3 days 00:00:00"``), which ``pandas.Timedelta`` reads back;
- numpy scalars become Python numbers and arrays lists;
- a pandas DataFrame becomes a list of row dicts (its index as a column unless it is the default
  0..n-1 range); a Series a dict from index label to value (a list under the default range).

Anything else raises :class:`SerializationError` (a new result type must say what it
contains), unless ``default`` is given: as in ``json.dumps``, it turns the object into something
``to_plain`` accepts (``default=str`` for a record that keeps any object as its text).

Why a method and not a registry of converters: the result type owns its shape beside its fields,
and a registry here would have to be filled by higher layers at import time (global mutable
state, and an upward dependency of ``core``). ``core`` imports nothing of the project and this
module imports neither numpy nor pandas: it recognises their objects only when the program has
already loaded them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
import sys
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any, Protocol, runtime_checkable

from signaltrust.core.errors import SerializationError

__all__ = ["SupportsPlain", "to_plain"]


@runtime_checkable
class SupportsPlain(Protocol):
    """A result that says what it contains: ``__plain__()`` returns data ``to_plain`` accepts."""

    def __plain__(self) -> Any: ...


def to_plain(value: Any, *, default: Callable[[Any], Any] | None = None) -> Any:
    """JSON-ready plain data (dict, list, str, int, float, bool, None) for any result."""
    return _Converter(default).plain(value, "value")


class _Converter:
    """One conversion; ``default`` handles the objects that no rule covers."""

    def __init__(self, default: Callable[[Any], Any] | None) -> None:
        self.default = default

    def plain(self, value: Any, where: str) -> Any:
        if value is None or type(value) in (str, int, bool):
            return value
        if isinstance(value, enum.Enum):
            return self.plain(value.value, where)
        if isinstance(value, float):
            return float(value) if math.isfinite(value) else None
        if isinstance(value, (bool, int, str)):
            return _builtin(value)
        method = getattr(type(value), "__plain__", None)
        if method is not None:
            return self.plain(method(value), where)
        pd = sys.modules.get("pandas")
        if pd is not None:
            done, out = self._pandas(pd, value, where)
            if done:
                return out
        np = sys.modules.get("numpy")
        if np is not None:
            done, out = self._numpy(np, value, where)
            if done:
                return out
        return self._python(value, where)

    def _python(self, value: Any, where: str) -> Any:
        if isinstance(value, Mapping):
            return {self.key(k, where): self.plain(v, f"{where}[{k!r}]") for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, (set, frozenset)):
            items = [self.plain(v, f"{where}[]") for v in value]
            try:
                return sorted(items)
            except TypeError:
                return items
        if isinstance(value, Decimal):
            return str(value) if value.is_finite() else None
        if isinstance(value, (dt.datetime, dt.date, dt.time)):
            return value.isoformat()
        if isinstance(value, dt.timedelta):
            return _duration(value)
        if isinstance(value, (PurePath, uuid.UUID)):
            return str(value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: self.plain(getattr(value, f.name), f"{where}.{f.name}")
                    for f in dataclasses.fields(value)}
        if callable(getattr(value, "model_dump", None)) and hasattr(type(value), "model_fields"):
            return self.plain(value.model_dump(), where)
        if callable(getattr(value, "get_secret_value", None)):
            return str(value)  # pydantic's SecretStr prints masked
        replaced = self.default(value) if self.default is not None else value
        if replaced is not value:
            return self.plain(replaced, where)
        raise SerializationError(
            f"cannot turn a {type(value).__module__}.{type(value).__qualname__} into plain data",
            field=where, value=type(value).__name__,
            fix="give the type a __plain__() method returning what it contains "
                "(a dict of numbers, text, tables)",
        )

    def key(self, key: Any, where: str) -> str:
        if isinstance(key, str):
            return str(key)
        plain = self.plain(key, where)
        return "null" if plain is None else str(plain)

    def _pandas(self, pd: Any, value: Any, where: str) -> tuple[bool, Any]:
        if value is pd.NaT or value is pd.NA:
            return True, None
        if isinstance(value, pd.Timestamp):
            return True, value.isoformat()
        if isinstance(value, (pd.Timedelta, pd.Period)):
            return True, str(value)
        if isinstance(value, pd.DataFrame):
            frame = value if _default_index(pd, value.index) else value.reset_index()
            columns = [self.key(c, where) for c in frame.columns]
            return True, [
                {c: self.plain(v, f"{where}[{i}].{c}") for c, v in zip(columns, row, strict=True)}
                for i, row in enumerate(frame.itertuples(index=False, name=None))
            ]
        if isinstance(value, pd.Series):
            if _default_index(pd, value.index):
                return True, [self.plain(v, f"{where}[{i}]") for i, v in enumerate(value.tolist())]
            return True, {self.key(k, where): self.plain(v, f"{where}[{k!r}]")
                          for k, v in zip(value.index, value.tolist(), strict=True)}
        if isinstance(value, pd.Index):
            return True, [self.plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return False, None

    def _numpy(self, np: Any, value: Any, where: str) -> tuple[bool, Any]:
        if isinstance(value, np.datetime64):
            if np.isnat(value):
                return True, None
            pd = sys.modules.get("pandas")
            text = pd.Timestamp(value).isoformat() if pd is not None else str(value)
            return True, text
        if isinstance(value, np.timedelta64):
            return True, None if np.isnat(value) else _duration(value)
        if isinstance(value, np.generic):
            return True, self.plain(value.item(), where)
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "mMO":
                return True, [self.plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return True, self.plain(value.tolist(), where)
        return False, None


def _builtin(value: bool | int | str) -> bool | int | str:
    for kind in (bool, int, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def _duration(value: Any) -> str:
    pd = sys.modules.get("pandas")
    return str(pd.Timedelta(value)) if pd is not None else str(value)


def _default_index(pd: Any, index: Any) -> bool:
    return (isinstance(index, pd.RangeIndex) and index.name is None and index.start == 0
            and index.step == 1)
