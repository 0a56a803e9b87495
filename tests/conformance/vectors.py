"""The conformance vectors as the Python-driven runners read them (the Python suite and the C
runner, bindings/c/tests/run_vectors.py): every file of this folder and of surface/, with the
placeholders of README.md substituted. Matching is python/tests/matcher.py.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Protocol

FOLDER = Path(__file__).resolve().parent

# The key the emulator accepts (tests/conformance/emulator.yaml).
API_KEY = "emulator-key-0000"


class Endpoints(Protocol):
    """What the placeholders need from a running emulator."""

    @property
    def endpoint(self) -> str: ...

    @property
    def https_endpoint(self) -> str: ...

    @property
    def ca_file(self) -> str: ...


def vector_paths() -> list[Path]:
    """Every vector of this folder, by name."""
    return sorted(FOLDER.glob("*.json"))


def load(path: Path, emulator: Endpoints) -> dict[str, Any]:
    """The vector at `path` with `{{endpoint}}`, `{{https_endpoint}}`, `{{api_key}}`,
    `{{ca_file}}` and `{{scenario}}` replaced in every string."""
    vector: dict[str, Any] = json.loads(path.read_text())
    name = vector["name"]

    def substitute(value: Any) -> Any:
        if isinstance(value, str) and "{{" in value:
            return (
                value.replace("{{endpoint}}", emulator.endpoint)
                .replace("{{https_endpoint}}", emulator.https_endpoint)
                .replace("{{api_key}}", API_KEY)
                .replace("{{ca_file}}", emulator.ca_file)
                .replace("{{scenario}}", name)
            )
        if isinstance(value, list):
            return [substitute(v) for v in value]
        if isinstance(value, dict):
            return {k: substitute(v) for k, v in value.items()}
        return value

    return substitute(vector)  # type: ignore[no-any-return]


def client_settings(vector: dict[str, Any]) -> dict[str, Any]:
    """The client's settings under the core's `ClientSettings` names (README.md's `client`
    table; each runner renames them for its language): the vector's variables as `env` (the
    process environment is never read), its catalog, its `client` keys but `token_provider`
    (a callable in each language), and the scenario header, in `default_headers` or, for a
    vector without `client`, in the catalog's `defaults.headers` as a file would carry it."""
    name = vector["name"]
    settings: dict[str, Any] = {"env": {k: str(v) for k, v in (vector.get("env") or {}).items()}}
    client = vector.get("client")
    if client is not None:
        if "catalog" in vector:
            settings["catalog"] = vector["catalog"]
        settings.update({k: v for k, v in client.items() if k != "token_provider"})
        settings["default_headers"] = {**(client.get("default_headers") or {}), "x-emulator-scenario": name}
    elif "catalog" in vector:
        catalog = copy.deepcopy(vector["catalog"])
        # A LiteLLM `model_list` has no defaults: those vectors send the header in the request.
        if "model_list" not in catalog:
            catalog.setdefault("defaults", {}).setdefault("headers", {})["x-emulator-scenario"] = name
        settings["catalog"] = catalog
    else:
        settings["default_headers"] = {"x-emulator-scenario": name}
    return settings
