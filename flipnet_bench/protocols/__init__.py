"""The field's evaluation protocols by name: ``flipnet-bench score --protocol NAME`` and ``protocols``.

Importing this package is light (no torch): the definitions are data, the scoring lives in ``run``.
"""

from __future__ import annotations

from flipnet_bench.protocols.presets import ALL
from flipnet_bench.protocols.spec import Asset, Composite, IdentityGate, Part, Protocol, Term
from flipnet_bench.registry import Registry

PROTOCOLS: Registry[Protocol] = Registry("protocol")
for _protocol in ALL:
    _protocol.check()
    PROTOCOLS.register(_protocol.name, _protocol)


def get_protocol(name: str) -> Protocol:
    """The protocol called ``name`` (unknown names get a "did you mean" error)."""
    return PROTOCOLS.get(name)


__all__ = ["PROTOCOLS", "Asset", "Composite", "IdentityGate", "Part", "Protocol", "Term", "get_protocol"]
