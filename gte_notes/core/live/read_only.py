"""A public, read-only view of a private attribute, for state one thread writes and others read."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class ReadOnly(Generic[T]):
    """`state = ReadOnly[str]("_state")` in a class body: any thread reads `obj.state`, only the owner
    assigns `obj._state`, and `obj.state = …` raises AttributeError instead of quietly adding a second
    value that the owner never sees. (A property says the same in four lines; the writer has sixteen.)"""

    def __init__(self, private: str) -> None:
        self._private = private
        self._public = private.lstrip("_")

    def __set_name__(self, owner: type, name: str) -> None:
        self._public = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> ReadOnly[T]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return getattr(obj, self._private)

    def __set__(self, obj: object, value: Any) -> None:
        raise AttributeError(f"{type(obj).__name__}.{self._public} is read-only")
