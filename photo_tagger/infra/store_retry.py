"""Retrying calls to a Chroma server that cannot be reached (tenacity): capped backoff, per-thread patience,
a status line for the caller."""

from __future__ import annotations

import contextvars
import copy
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import chromadb.errors
import httpx
import tenacity

from photo_tagger.core.errors import PhotoTaggerError

log = logging.getLogger(__name__)

# Transport failures only: refused or reset connections, timeouts, a server that went away mid-answer.
# A request the server answered with an error (a bad request, a wrong dimension) is never retried.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (httpx.TransportError, ConnectionError)
# chromadb's HTTP session has no timeout at all: a server that stops answering would hang a call forever.
REQUEST_TIMEOUT = httpx.Timeout(30.0, connect=3.0)
INTERACTIVE_GIVE_UP_S = 5.0  # a search or a one-off command: a clear error after a few seconds
STATUS = "store unreachable, retrying"
AWAY = "no server answers there"  # the words for an absent server, here and in store_auth.py's other cases
SEGMENT_WAIT_S = 5.0  # a server still writing a new collection's first vectors to disk


class StoreUnavailable(PhotoTaggerError):
    """The vector store cannot be opened or reached."""


class StoreUnreachable(StoreUnavailable):
    """The Chroma server could not be reached for longer than the caller was willing to wait."""


class StoreRefused(StoreUnavailable):
    """A proxy in front of the server refused the token (HTTP 401/403): waiting would not help."""


class StoreUntrusted(StoreUnavailable):
    """The server's TLS certificate failed verification: waiting would not help."""


class ServerAway(ConnectionError):
    """A proxy answered 502/503/504: the Chroma server behind it is away, which is waited for like no server."""


def certificate_problem(exc: BaseException | None) -> str | None:
    """Why TLS verification failed ("certificate has expired", ...), if that is what `exc` (or its cause) is."""
    chain = []
    while exc is not None and len(chain) < 10:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return exc.verify_message or str(exc)
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    for error in chain:  # httpx keeps the ssl error only as text at times
        if "CERTIFICATE_VERIFY_FAILED" in str(error):
            return str(error)
    return None


def _is_away(exc: BaseException) -> bool:
    return isinstance(exc, CONNECTION_ERRORS) and certificate_problem(exc) is None


@dataclass(frozen=True)
class _Patience:
    give_up_after: float | None  # seconds of continuous failure; None: until stopped
    on_state: Callable[[str | None], None] | None
    stop: threading.Event | Callable[[], bool] | None


class StoreRetry:
    """Runs store calls, retrying connection errors with exponential backoff capped at `max_delay`.

    Patience is per thread (a context variable): a search on one thread gives up after a few seconds while
    an index job on another waits for the server as long as it takes (`with retry.patient(...)`).
    `on_state` hears a status line while the server is unreachable and None once it answers again.
    """

    def __init__(self, where: str, *, give_up_after: float | None = INTERACTIVE_GIVE_UP_S, first_delay: float = 0.5,
                 max_delay: float = 10.0, sleep: Callable[[float], Any] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.where = where
        self.first_delay = first_delay
        self.max_delay = max_delay
        self._default = _Patience(give_up_after, None, None)
        self._patience: contextvars.ContextVar[_Patience | None] = contextvars.ContextVar(
            f"store-retry-{id(self)}", default=None)
        self._sleep = sleep
        self._clock = clock

    def at(self, where: str) -> StoreRetry:
        """The same policy (and the same patience on this thread) for calls to another store."""
        other = copy.copy(self)
        other.where = where
        return other

    @contextmanager
    def patient(self, give_up_after: float | None = None, on_state: Callable[[str | None], None] | None = None,
                stop: threading.Event | Callable[[], bool] | None = None) -> Iterator[None]:
        """Within the block (on this thread), wait for the server up to `give_up_after` seconds of continuous
        failure (None: until `stop` is set, or returns True: `lambda: control.cancelled`), reporting the
        state to `on_state`."""
        token = self._patience.set(_Patience(give_up_after, on_state, stop))
        try:
            yield
        finally:
            self._patience.reset(token)

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """fn(*args, **kwargs), retried by tenacity on connection errors within this thread's patience."""
        patience = self._patience.get() or self._default
        # Long waits are announced on the console; an interactive call fails with one clear line instead.
        loud = patience.give_up_after is None or patience.give_up_after > 60
        level = logging.WARNING if loud else logging.INFO
        failing_since: list[float] = []  # on the injectable clock, so tests need not wait

        def waited() -> float:
            return self._clock() - failing_since[0] if failing_since else 0.0

        def out_of_patience(state: tenacity.RetryCallState) -> bool:
            if not failing_since:
                failing_since.append(self._clock())
            return patience.give_up_after is not None and waited() >= patience.give_up_after

        def backoff(state: tenacity.RetryCallState) -> float:
            delay = min(self.max_delay, self.first_delay * 2 ** min(state.attempt_number - 1, 20))
            return delay if patience.give_up_after is None else min(delay, patience.give_up_after - waited())

        def announce(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception()
            if state.attempt_number == 1 or state.attempt_number % 10 == 0:
                log.log(level, "%s (%s: %s)", STATUS, self.where, str(exc) or type(exc).__name__)
            _notify(patience, f"{STATUS} ({waited():.0f} s)")

        def give_up(state: tenacity.RetryCallState) -> Any:
            exc = state.outcome.exception()
            raise StoreUnreachable(f"the Chroma server {self.where} is unreachable (gave up after {waited():.0f} s): "
                                   f"{AWAY} ({str(exc) or type(exc).__name__})") from None

        retrying = tenacity.Retrying(retry=tenacity.retry_if_exception(_is_away), stop=out_of_patience,
                                     wait=backoff, before_sleep=announce, retry_error_callback=give_up,
                                     sleep=lambda delay: self._wait(patience.stop, delay))
        try:
            result = retrying(fn, *args, **kwargs)
        except CONNECTION_ERRORS as exc:  # only a certificate error gets here: the others were retried
            from photo_tagger.infra.store_auth import untrusted_line

            raise StoreUntrusted(untrusted_line(self.where, certificate_problem(exc) or str(exc))) from None
        if failing_since:
            log.log(level, "store reachable again (%s) after %.0f s", self.where, waited())
            _notify(patience, None)
        return result

    def _wait(self, stop, delay: float) -> None:
        """Sleep `delay` seconds; a stop (cancelled job, Ctrl+C in watch) ends the wait with StoreUnreachable."""
        if stop is None:
            self._sleep(delay)
            return
        if isinstance(stop, threading.Event):
            stopped = stop.wait(delay)
        else:
            end = self._clock() + delay
            while not (stopped := stop()) and (left := end - self._clock()) > 0:
                self._sleep(min(0.2, left))
        if stopped:
            raise StoreUnreachable(f"stopped while the Chroma server {self.where} was unreachable")


def _notify(patience: _Patience, state: str | None) -> None:
    if patience.on_state is not None:
        try:
            patience.on_state(state)
        except Exception:  # a progress display must never break a store call
            log.exception("store state callback failed")


class RetryingCollection:
    """A chromadb Collection whose calls go through a StoreRetry (each call is idempotent to repeat:
    get/query/count read, delete and update converge, and an add whose answer was lost is ignored by
    Chroma the second time, the first having stored the same record)."""

    def __init__(self, collection: Any, retry: StoreRetry) -> None:
        self._collection = collection
        self._retry = retry

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._collection, name)
        if not callable(value):
            return value
        return lambda *args, **kwargs: self._retry.call(_while_segment_loads, value, *args, **kwargs)


def _segment_not_ready(exc: BaseException) -> bool:
    # A Chroma server answers this while a collection's first vectors are being flushed to disk, as other
    # instances write (chroma-core/chroma#4212); the same call succeeds a moment later.
    return isinstance(exc, chromadb.errors.InternalError) and "hnsw segment reader" in str(exc)


def _while_segment_loads(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """fn(...), repeated for up to SEGMENT_WAIT_S while the server's vector segment is not on disk yet."""
    for attempt in tenacity.Retrying(retry=tenacity.retry_if_exception(_segment_not_ready), reraise=True,
                                     stop=tenacity.stop_after_delay(SEGMENT_WAIT_S), wait=tenacity.wait_fixed(0.1)):
        with attempt:
            return fn(*args, **kwargs)


def set_request_timeout(client: Any, timeout: httpx.Timeout = REQUEST_TIMEOUT) -> None:
    """Give an HttpClient's session a timeout (chromadb sets none and offers no setting for it)."""
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = timeout
    else:  # a chromadb version laid out differently: say so rather than hang silently later
        log.warning("cannot set a timeout on chromadb's HTTP session (%s)", type(client).__name__)


def set_response_hook(client: Any, hook: Callable[[httpx.Response], None]) -> None:
    """Let `hook` see every answer of an HttpClient's session before chromadb does (a proxy's 401 or 502 is
    not Chroma's JSON error: chromadb would raise a bare Exception with the proxy's text)."""
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.event_hooks = {**session.event_hooks, "response": [*session.event_hooks["response"], hook]}
    else:
        log.warning("cannot watch chromadb's HTTP answers (%s)", type(client).__name__)
