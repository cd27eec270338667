"""Reading SDK items: fields of pydantic models and dicts, as cheaply as the normalisers need it.

The SDKs mix attribute access and keys (LiteLLM, LangChain blocks), and a miss on a pydantic model goes
through its ``__getattr__`` and an exception; these helpers read the instance's own dicts instead, and
turn what they read into plain values (strings, counts, lists, dumps).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

from fastapi_fragments._exceptions import ProviderError

__all__ = ("NO_FIELDS", "as_list", "field", "listed", "number", "plain", "raise_error", "reader", "string")


def field(obj: object, name: str) -> object:
    """An attribute of an SDK object or a key of a dict (SDKs mix both: LiteLLM, LangChain blocks);
    ``None`` when absent.

    Most lookups of a chunk miss (a text chunk has no ``reasoning_content``), and a miss on a pydantic
    model goes through its ``__getattr__`` and an exception, ten times the cost of a hit; a field or an
    extra is found in the instance's dicts instead.
    """
    values = getattr(obj, "__dict__", None)  # first: most lookups are of an SDK object's field
    if values is not None:
        value = values.get(name, _ABSENT)
        if value is not _ABSENT:
            return value
    if isinstance(obj, dict):  # a concrete check: an ABC check costs more than the whole lookup
        return obj.get(name)
    extra = getattr(obj, "__pydantic_extra__", _NOT_PYDANTIC)
    if extra is not _NOT_PYDANTIC:
        if isinstance(extra, dict) and name in extra:
            return extra[name]
        if not _class_has(type(obj), name):  # not a property either: a plain miss
            return None
    return getattr(obj, name, None)


# (class, name) -> whether the class has it: the names are the few the normalisers read.
_CLASS_HAS: dict[tuple[type, str], bool] = {}


def _class_has(cls: type, name: str) -> bool:
    has = _CLASS_HAS.get((cls, name))
    if has is None:
        has = _CLASS_HAS[cls, name] = hasattr(cls, name)
    return has


_NOT_PYDANTIC = object()
_ABSENT = object()
#: ``getattr(obj, "__dict__", NO_FIELDS).get(name) or field(obj, name)`` is ``field(obj, name)``, in one dict read.
NO_FIELDS: Mapping[str, object] = {}


def reader(obj: object, names: frozenset[str]) -> Callable[[str], object]:
    """``field(obj, name)`` for any of ``names``, for reading several fields of one object.

    A dict's or a pydantic model's own ``dict.get`` when its class defines none of ``names`` (as a
    property, say): a chunk's delta is read a field at a time for eight names, most of them absent,
    and ``field`` costs several times what ``dict.get`` does for each.
    """
    if isinstance(obj, dict):
        return obj.get
    values = getattr(obj, "__dict__", None)
    extra = getattr(obj, "__pydantic_extra__", _NOT_PYDANTIC)
    if values is None or extra is _NOT_PYDANTIC or _class_has_any(type(obj), names):
        return partial(field, obj)
    return ({**extra, **values} if isinstance(extra, dict) and extra else values).get


def _class_has_any(cls: type, names: frozenset[str]) -> bool:
    has = _CLASS_HAS_ANY.get((cls, names))
    if has is None:
        has = _CLASS_HAS_ANY[cls, names] = any(_class_has(cls, name) for name in names)
    return has


_CLASS_HAS_ANY: dict[tuple[type, frozenset[str]], bool] = {}


def listed(obj: object, name: str) -> list[object] | tuple[object, ...]:
    """A list field of an SDK object or dict; empty when absent or ``None``."""
    return as_list(field(obj, name))


def as_list(value: object) -> list[object] | tuple[object, ...]:
    """``value`` if it is a list or tuple, else empty."""
    return value if isinstance(value, list | tuple) else ()


def string(value: object) -> str | None:
    """``value`` if it is a ``str``."""
    return value if isinstance(value, str) else None


def number(value: object) -> int | None:
    """``value`` if it is a token count (an ``int``, not a ``bool``)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def plain(value: object) -> object:
    """SDK models as plain data (``model_dump()``), so results and previews render without the SDK."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(exclude_none=True)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def raise_error(kind: str, message: object) -> None:
    """Raise the :class:`ProviderError` an error item stands for, as the text path does."""
    raise ProviderError(kind, str(message) if message is not None else "no message")
