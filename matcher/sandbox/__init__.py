"""A contract-faithful local Floqer + Flowstate, seeded with a synthetic market, with faults on demand.

Start it in-process (tests, notebooks) or with ``matcher sandbox serve``::

    with SandboxServer(SandboxConfig(seed=7)) as sandbox:
        sandbox.floqer_url, sandbox.flowstate_url, sandbox.keys.floqer
        sandbox.clock.advance(timedelta(days=1))
        sandbox.faults.add(FaultRule(endpoint="floqer.data", kind="server_error", times=2))

Profiles play the alternatives the vendor documents leave room for (``PROFILES``; docs/sandbox.md)::

    with SandboxServer(SandboxConfig(profiles=("strict", "resource-types"))) as sandbox:
        sandbox.app.served_vacancies(), sandbox.app.source_rows(source_id)   # what a client should land

The sandbox imports nothing from the clients: it is written from the vendors' documents alone.
"""

from matcher.sandbox.app import SandboxApp, SandboxConfig, SandboxKeys
from matcher.sandbox.faults import FAULT_KINDS, FaultRule
from matcher.sandbox.floqer import FloqerSettings
from matcher.sandbox.flowstate import FlowstateSettings
from matcher.sandbox.market import Market, MarketConfig, generate_market
from matcher.sandbox.profiles import PROFILES, Profile
from matcher.sandbox.server import SandboxServer

__all__ = [
    "FAULT_KINDS",
    "PROFILES",
    "FaultRule",
    "FloqerSettings",
    "FlowstateSettings",
    "Market",
    "MarketConfig",
    "Profile",
    "SandboxApp",
    "SandboxConfig",
    "SandboxKeys",
    "SandboxServer",
    "generate_market",
]
