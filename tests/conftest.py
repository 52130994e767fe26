"""Session-wide fixtures: one PostgreSQL cluster, one Bluesky test network (PDS + AppView), and
the read-back of every post a test wrote to it (the checks are in tests/readback.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.sandbox.appview import AppViewNetwork, start_appview
from tests.pg import PgServer, pg_server
from tests.readback import Memory, ReadBackError, check, new_records

__all__ = ["pg_server"]  # the session cluster, for every folder


@pytest.fixture(scope="session")
def network(pg_server: PgServer, read_back_memory: Memory) -> Iterator[AppViewNetwork]:
    """The dev-env test network (PLC + PDS + AppView), started once for the whole session."""
    yield from _read_back_network(pg_server, read_back_memory, rate_limits=False)


@pytest.fixture(scope="session")
def limited_network(pg_server: PgServer, read_back_memory: Memory) -> Iterator[AppViewNetwork]:
    """A second network whose PDSes enforce their rate limits, for the tests of logins and
    pacing (on the first, the limits would throttle every other test of the session)."""
    yield from _read_back_network(pg_server, read_back_memory, rate_limits=True)


def _read_back_network(
    pg_server: PgServer, memory: Memory, *, rate_limits: bool
) -> Iterator[AppViewNetwork]:
    """A network on a fresh database of the session's cluster, read back while it runs."""
    url = pg_server.new_database().replace("postgresql+psycopg://", "postgresql://", 1)
    with start_appview(url, rate_limits=rate_limits) as net:
        memory.networks.append(net)
        yield net
        memory.networks.remove(net)


@pytest.fixture
def pds(network: AppViewNetwork, read_back_memory: Memory) -> AppViewNetwork:
    """The PDS the Bluesky tests publish to: the network's, so every post is read back. Function
    scoped (the network is the session's) so that a test asking for it late, through
    ``request.getfixturevalue`` as the contract suite does, is read back too."""
    read_back_memory.touched.append(network)
    return network


@pytest.fixture
def limited_pds(limited_network: AppViewNetwork, read_back_memory: Memory) -> AppViewNetwork:
    """The rate-limited network's PDS; what the tests on it publish is read back too."""
    read_back_memory.touched.append(limited_network)
    return limited_network


_MEMORY = pytest.StashKey[Memory]()


@pytest.fixture(scope="session")
def read_back_memory(pytestconfig: pytest.Config) -> Memory:
    """What the session has read back so far (kept on the config for the summary)."""
    return pytestconfig.stash.setdefault(_MEMORY, Memory())


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """One line on what the read-back checked, and each opt-out with its reason."""
    memory = config.stash.get(_MEMORY, None)
    if memory is None or not (memory.tests or memory.opted_out):
        return
    terminalreporter.write_line(
        f"read-back: {memory.checked} Bluesky posts of {memory.tests} tests read back through "
        f"the AppView; {len(memory.opted_out)} tests opted out"
    )
    for line in memory.opted_out:
        terminalreporter.write_line(f"  unreadable: {line}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep the call phase's report on the item: the read-back checks tests that passed."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_PASSED] = report.passed
    return report


_CALL_PASSED = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def _read_back(request: pytest.FixtureRequest, read_back_memory: Memory) -> Iterator[None]:
    """After a test that used the network, read back every post it wrote (module doc)."""
    read_back_memory.touched = []
    yield
    asked = list(read_back_memory.touched)
    for name in {"network", "limited_network"} & set(request.fixturenames):
        asked.append(request.getfixturevalue(name))
    networks = [net for net in read_back_memory.networks if net in asked]
    if not networks:
        return
    found = [(net, *new_records(net, read_back_memory)) for net in networks]
    marker = request.node.get_closest_marker("unreadable")
    if marker is not None:
        reason = marker.args[0] if marker.args else marker.kwargs.get("reason")
        if not reason:
            raise pytest.UsageError(f"{request.node.nodeid}: @unreadable needs a reason")
        read_back_memory.opted_out.append(f"{request.node.nodeid}: {reason}")
        return
    if not request.node.stash.get(_CALL_PASSED, False):
        return
    problems: list[str] = []
    for network, records, current in found:
        if not records:
            continue
        read_back_memory.checked += len(records)
        problems += check(network, records, current)
    if any(records for _, records, _ in found):
        read_back_memory.tests += 1
    if problems:
        raise ReadBackError(
            f"{len(problems)} problem(s) reading back posts:\n" + "\n".join(problems)
        )
