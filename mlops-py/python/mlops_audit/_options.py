"""Keyword options of the Rust core's options structs.

A wrapper's signature takes its defaults from :func:`defaults` (the ``Default`` of the Rust
struct that owns them), so each default is written once, in Rust, and ``inspect.signature``
shows it; the wrapper passes its keywords on with :func:`options`, and the binding reads them
into that struct, refusing unknown names and wrong types by name.
"""

from __future__ import annotations

import collections.abc as _abc
from typing import Any

from mlops_audit._mlops_audit import _defaults

__all__ = ["defaults", "options"]

_ALL: dict[str, dict[str, Any]] = _defaults()


def defaults(struct: str) -> dict[str, Any]:
    """The defaults of the Rust options struct ``struct`` (a copy)."""
    return dict(_ALL[struct])


def options(values: dict[str, Any], *positional: str) -> dict[str, Any]:
    """The keyword options among a wrapper's ``locals()`` (minus ``positional``), sequences
    as lists and mappings as dicts."""

    def plain(v: Any) -> Any:
        if isinstance(v, (str, bytes)) or v is None:
            return v
        if isinstance(v, _abc.Mapping):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, (tuple, list)):
            return [plain(x) for x in v]
        return v

    return {k: plain(v) for k, v in values.items() if k not in positional}
