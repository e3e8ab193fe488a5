"""Made once, also when several threads ask first: a locked cached_property, and a lock per key for the rest."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_LOCKS = "_once_locks"


def lock_for(instance: Any, key: str) -> threading.RLock:
    """The lock guarding `key` of this instance (made on first use; dict.setdefault is atomic)."""
    locks = instance.__dict__.setdefault(_LOCKS, {})
    return locks.setdefault(key, threading.RLock())


class locked_cached_property:
    """functools.cached_property whose value is made under a lock per instance and name.

    The app's services are first touched by several threads at once (the window's writer and query pools):
    each must be built once (a second Catalog or Chroma client on one library is a bug). Python 3.12 dropped
    cached_property's lock, and 3.11's is one lock per property for every instance. Re-entrant, so a
    property whose builder reads another one is fine; the value is read without the lock once it exists.
    """

    def __init__(self, func: Callable[[Any], Any]):
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        values = instance.__dict__
        if self.name in values:
            return values[self.name]
        with lock_for(instance, self.name):
            if self.name not in values:
                values[self.name] = self.func(instance)
            return values[self.name]


def serialized(method: Callable) -> Callable:
    """A method that makes and caches things itself (one store per model, say): one thread at a time per
    instance, so two first calls do not both make them."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with lock_for(self, method.__name__):
            return method(self, *args, **kwargs)

    return run


class Deferred:
    """Stands for a service until an attribute of it is first used, then is it (made once): a job that may
    not need an expensive service (a vector store, an encoder session) gets one without paying for it.
    `known` attributes are answered without making it (a store's `shared`, say)."""

    def __init__(self, make: Callable[[], Any], **known: Any):
        self.__dict__.update(known)
        self._make: Callable[[], Any] | None = make
        self._lock = threading.Lock()
        self._value: Any = None

    @property
    def made(self) -> bool:
        return self._make is None

    def resolve(self) -> Any:
        with self._lock:
            if self._make is not None:
                self._value, self._make = self._make(), None
            return self._value

    def __getattr__(self, name: str) -> Any:
        return getattr(self.resolve(), name)
