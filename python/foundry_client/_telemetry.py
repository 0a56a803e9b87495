"""OpenTelemetry: the caller's trace joins the core's, and the core's export is flushed.

The core exports its spans and the GenAI metrics itself (OTLP/HTTP, when the ``OTEL_*``
variables ask for it). This module only hands it the caller's current span: when the optional
``opentelemetry`` package is installed and a span is current, the request's ``extra_headers``
carry its W3C ``traceparent`` (and ``tracestate``), unless the caller set one, so the core's
span becomes its child. Nothing else about tracing crosses into the core.
"""

from __future__ import annotations

import atexit
from typing import Any, Callable

from . import _native

__all__ = ["flush_telemetry"]

# Resolved on first use: None when ``opentelemetry`` is not installed (nothing is done then).
_inject: Callable[[dict[str, str]], None] | None = None
_resolved = False


def _injector() -> Callable[[dict[str, str]], None] | None:
    global _inject, _resolved
    if not _resolved:
        _resolved = True
        try:
            from opentelemetry import trace
            from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
        except ImportError:
            return None
        propagator = TraceContextTextMapPropagator()

        def inject(carrier: dict[str, str]) -> None:
            # Only a valid current span: the propagator writes nothing for an invalid one.
            if trace.get_current_span().get_span_context().is_valid:
                propagator.inject(carrier)

        _inject = inject
    return _inject


def with_trace_context(request: dict[str, Any]) -> dict[str, Any]:
    """``request`` with the current span's ``traceparent`` in its ``extra_headers``."""
    inject = _injector()
    if inject is None:
        return request
    carrier: dict[str, str] = {}
    inject(carrier)
    if not carrier:
        return request
    given = request.get("extra_headers")
    headers: dict[str, Any] = dict(given) if isinstance(given, dict) else {}
    present = {name.lower() for name in headers}
    if "traceparent" in present:
        # The caller chose the parent: theirs goes through (with their tracestate, if any).
        return request
    # A header the caller set (in any letter case) is theirs: a tracestate of their own stays,
    # as in the Node and Kotlin packages.
    headers.update({k: v for k, v in carrier.items() if k.lower() not in present})
    return {**request, "extra_headers": headers}


def flush_telemetry() -> bool:
    """Sends the spans and metrics the core has recorded and waits until they are exported, for
    at most 10 seconds. True when everything was sent, or when nothing is exported (the
    ``OTEL_*`` variables do not ask for it); False when the deadline passed or the receiver
    refused. Blocks the calling thread (network IO) without holding the GIL. Also called at
    interpreter exit."""
    return _native.flush_telemetry()


atexit.register(flush_telemetry)
