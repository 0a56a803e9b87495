"""Governance values: a scoped handle's budget, each budget's spend (``client.spend()``) and
each local rate limit (``client.limits()``). The fields are the core's ``SpendLine`` and
``LimitLine``; the rules behind them (windows, caps, queues) are the core's too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

__all__ = ["LimitLine", "ScopeBudget", "SpendLine"]


class _ScopeBudgetCap(TypedDict):
    hard_usd: float


class ScopeBudget(_ScopeBudgetCap, total=False):
    """``client.scope(budget=...)``: the catalog budget's keys. ``hard_usd`` is the cap;
    ``window`` is ``day``, ``week``, ``month`` (the default), ``total`` or a rolling ``30m`` /
    ``12h`` / ``30d``; ``time_zone`` an IANA name (calendar windows); ``soft`` the alert
    thresholds as fractions of the cap (default ``[0.8]``, each a ``budget_alert`` event)."""

    window: str
    time_zone: str
    soft: list[float]


class SpendLine:
    """One budget's spend in its current period."""

    __slots__ = ("scope", "window", "period", "spent_usd", "reserved_usd", "cap_usd", "soft")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.scope: str = data["scope"]
        #: The window as configured (``month (Europe/Berlin)``, ``rolling 3600s``).
        self.window: str = data["window"]
        #: The current period's ledger key (``month:2026-12@Europe/Berlin``).
        self.period: str = data["period"]
        self.spent_usd: float = data["spent_usd"]
        #: Held by calls in flight (and by dead processes, until their lease ends).
        self.reserved_usd: float = data["reserved_usd"]
        self.cap_usd: float | None = data.get("cap_usd")
        #: The alert thresholds, as fractions of the cap.
        self.soft: list[float] = list(data.get("soft") or [])

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __repr__(self) -> str:
        return f"SpendLine(scope={self.scope!r}, period={self.period!r}, spent_usd={self.spent_usd}, cap_usd={self.cap_usd})"


class LimitLine:
    """One local rate limit as it stands: a limited scope's or a paced deployment's."""

    __slots__ = (
        "limits",
        "tpm",
        "rpm",
        "tokens_available",
        "requests_available",
        "queued",
        "service_remaining_tokens",
        "service_remaining_requests",
    )

    def __init__(self, data: Mapping[str, Any]) -> None:
        #: ``deployment:NAME`` or the scope path.
        self.limits: str = data["limits"]
        self.tpm: int | None = data.get("tpm")
        self.rpm: int | None = data.get("rpm")
        #: Tokens and requests that could be granted now (at most a 10 s window's worth).
        self.tokens_available: int = data["tokens_available"]
        self.requests_available: int = data["requests_available"]
        #: Calls waiting in the queue.
        self.queued: int = data["queued"]
        #: What the service last reported in ``x-ratelimit-remaining-tokens`` / ``-requests``.
        self.service_remaining_tokens: int | None = data.get("service_remaining_tokens")
        self.service_remaining_requests: int | None = data.get("service_remaining_requests")

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __repr__(self) -> str:
        return f"LimitLine(limits={self.limits!r}, tpm={self.tpm}, rpm={self.rpm}, queued={self.queued})"
