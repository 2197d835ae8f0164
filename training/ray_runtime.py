"""Starting and stopping Ray for ArcadeLab, safely.

A local Ray (no ``--address``) is sized to this machine, listens on loopback only and starts no dashboard: an
unauthenticated Ray port on a public interface lets anyone who reaches it run code here. Every Ray process gets
the same safety environment (no Windows/macOS multi-node cluster mode, no usage-stats reporting), both through
``os.environ`` before ``ray.init`` (inherited by the processes Ray spawns) and through ``runtime_env`` (for
workers started by the cluster on other nodes).

``--address`` joins a cluster someone else started; its network exposure is that cluster's business. Ray 2.60
turns on token authentication for clusters it starts (the token in ``~/.ray/auth_token``); to join one, set
``RAY_AUTH_MODE=token`` and provide the token (Ray never sends it to an explicit address by itself).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"

#: Set in this process before Ray starts and passed to every Ray worker.
SAFE_RAY_ENV: dict[str, str] = {
    # "0" makes Ray take 127.0.0.1 as this node's address (on Linux too); otherwise it resolves even an
    # explicit 127.0.0.1 to the machine's outward address and binds its servers there (seen on this machine).
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    # Ray's usage-stats reporter phones home unless this is "0" (the only switch Ray 2.60 reads for it).
    "RAY_USAGE_STATS_ENABLED": "0",
}


def ray_env() -> dict[str, str]:
    """The environment variables every Ray process of ours must have."""
    return dict(SAFE_RAY_ENV)


def apply_ray_env() -> None:
    """Put :data:`SAFE_RAY_ENV` into ``os.environ`` (processes Ray spawns inherit it).

    Ray reads ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER`` once, when ``ray`` is first imported, and otherwise resolves
    ``127.0.0.1`` to the machine's outward address and binds its servers there. So when ``ray`` was imported
    before this ran, its cached flag is corrected too.
    """
    os.environ.update(SAFE_RAY_ENV)
    constants: Any = sys.modules.get("ray._private.ray_constants")  # Ray's private module, untyped for us
    if constants is not None and getattr(constants, "ENABLE_RAY_CLUSTER", False):
        constants.ENABLE_RAY_CLUSTER = False


def init_ray(
    address: str | None = None,
    *,
    num_cpus: int | None = None,
    temp_dir: str | Path | None = None,
    object_store_memory: int | None = None,
    extra_env: dict[str, str] | None = None,
    ship_code: bool | None = None,
) -> dict[str, Any]:
    """Start a local loopback-only Ray, or join the cluster at ``address``; return the cluster resources.

    Args:
        address: ``None`` starts Ray on this machine (``num_cpus`` defaults to ``os.cpu_count()``, bound to
            127.0.0.1, no dashboard). ``"host:port"`` (or ``"ray://..."``) joins that existing cluster.
        num_cpus: CPUs for a local Ray; ignored when joining a cluster.
        temp_dir: Ray's session folder root for a local Ray (default ``/tmp/ray``); tests use their own.
        object_store_memory: bytes for the object store of a local Ray (Ray's default when ``None``).
        extra_env: further environment variables for every Ray worker.
        ship_code: upload ArcadeLab's ``envs`` and ``training`` packages to the workers (``runtime_env``
            ``py_modules``), so nodes without this checkout can build the envs. Default: when joining a cluster.

    If Ray is already initialised in this process it is reused as it is.

    Joining a cluster that uses token authentication (Ray's default for clusters it starts) needs
    ``RAY_AUTH_MODE=token`` and the cluster's token (``RAY_AUTH_TOKEN``, ``RAY_AUTH_TOKEN_PATH`` or
    ``~/.ray/auth_token``) in this process's environment: Ray never sends a token to an explicit address on its
    own, and neither does ArcadeLab.
    """
    import ray

    apply_ray_env()
    env_vars = {**SAFE_RAY_ENV, **(extra_env or {})}
    if ray.is_initialized():
        log.info("Ray already initialised; reusing it")
        return dict(ray.cluster_resources())
    runtime_env: dict[str, Any] = {"env_vars": env_vars}
    if ship_code if ship_code is not None else address is not None:
        import envs
        import training

        runtime_env["py_modules"] = [envs, training]
    common: dict[str, Any] = {
        "runtime_env": runtime_env,
        "log_to_driver": False,
        "logging_level": logging.WARNING,
        "configure_logging": True,
    }
    if address is None:
        kwargs: dict[str, Any] = {
            "num_cpus": num_cpus or os.cpu_count() or 1,
            "include_dashboard": False,
            "dashboard_host": LOOPBACK,
            "_node_ip_address": LOOPBACK,
        }
        if temp_dir is not None:
            kwargs["_temp_dir"] = str(temp_dir)
        if object_store_memory is not None:
            kwargs["object_store_memory"] = object_store_memory
        ray.init(**kwargs, **common)
    else:
        try:
            ray.init(address=address, **common)
        except ConnectionError as exc:
            hint = (
                ""
                if os.environ.get("RAY_AUTH_MODE")
                else (
                    " If that cluster uses token authentication, set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN (or"
                    " RAY_AUTH_TOKEN_PATH) in this environment."
                )
            )
            raise ConnectionError(f"cannot join the Ray cluster at {address}: {exc}.{hint}") from exc
    resources = dict(ray.cluster_resources())
    log.info("Ray up (%s): %s", address or "local, loopback only", resources)
    return resources


def shutdown() -> None:
    """Stop Ray in this process (a joined cluster keeps running; a local one stops)."""
    import ray

    if ray.is_initialized():
        ray.shutdown()


# --- checks used by the tests and by anyone worried about exposure -------------------------------------------

_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")


def non_loopback_addresses_in_logs(session_dir: str | Path) -> dict[str, set[str]]:
    """Every IPv4 address other than 127.x.x.x (and 0.0.0.0) named in a Ray session's logs, by file.

    ``0.0.0.0`` is reported too: a socket bound there listens on every interface.
    """
    found: dict[str, set[str]] = {}
    logs = Path(session_dir) / "logs"
    for path in sorted(logs.rglob("*")):
        if not path.is_file():
            continue
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        bad = {ip for ip in _IPV4.findall(text) if _looks_like_ip(ip) and not ip.startswith("127.")}
        if bad:
            found[str(path.relative_to(logs))] = bad
    return found


def _looks_like_ip(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def _psutil():
    """psutil, which this venv has only as Ray's bundled copy (``import ray`` puts it on ``sys.path``)."""
    import importlib

    import ray  # noqa: F401

    return importlib.import_module("psutil")


def listening_sockets(pids: Iterable[int]) -> list[tuple[int, str, str, int]]:
    """``(pid, process name, local ip, port)`` of every listening TCP socket (and bound UDP socket) of ``pids``."""
    psutil = _psutil()

    wanted = set(pids)
    rows: list[tuple[int, str, str, int]] = []
    for conn in psutil.net_connections(kind="inet"):
        if conn.pid not in wanted or not conn.laddr:
            continue
        is_listen = conn.status == psutil.CONN_LISTEN
        is_udp = conn.type == 2 and not conn.raddr  # SOCK_DGRAM bound without a peer
        if not (is_listen or is_udp):
            continue
        try:
            name = psutil.Process(conn.pid).name()
        except psutil.Error:
            name = "?"
        rows.append((conn.pid, name, conn.laddr.ip, conn.laddr.port))
    return rows


def ray_process_pids(session_dir: str | Path, gcs_address: str | None = None) -> list[int]:
    """PIDs of the processes of one Ray session: those whose command line names its folder, and their children.

    Ray's workers are children of its raylet, so the whole tree of the session is covered; other people's Ray
    sessions on the same machine are not. ``gcs_address`` (``"127.0.0.1:PORT"`` of a ``ray start --head``) also
    catches the processes that name only the cluster address, such as the Ray Client server.
    """
    psutil = _psutil()

    markers = [str(session_dir)] + ([gcs_address] if gcs_address else [])
    me = psutil.Process()
    skip = {me.pid, *(parent.pid for parent in me.parents())}
    pids: set[int] = set()
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if proc.pid in skip:
            continue
        try:
            cmdline = " ".join(proc.info["cmdline"] or [])
            if any(marker in cmdline for marker in markers):
                pids.add(proc.pid)
                pids.update(child.pid for child in proc.children(recursive=True))
        except psutil.Error:
            continue
    return sorted(pids - skip)


def stop_session_processes(
    session_root: str | Path, gcs_address: str | None = None, timeout: float = 15.0
) -> list[int]:
    """Terminate (then kill) the processes of the Ray session(s) under ``session_root``; return their PIDs.

    Stops exactly the Ray started with that ``--temp-dir``, by PID, unlike ``ray stop --force``, which
    stops every Ray on the machine (other people's included).
    """
    psutil = _psutil()

    procs = []
    for pid in ray_process_pids(session_root, gcs_address):
        try:
            procs.append(psutil.Process(pid))
        except psutil.Error:
            continue
    for proc in procs:
        try:
            proc.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    if alive:
        log.warning("killing Ray processes that ignored SIGTERM: %s", [p.pid for p in alive])
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=5)
    return [proc.pid for proc in procs]


def current_session_dir() -> Path | None:
    """The session folder of the Ray this process is connected to (``None`` when Ray is not up)."""
    import ray

    node = getattr(ray._private.worker, "_global_node", None)
    if not ray.is_initialized() or node is None:
        return None
    return Path(node.get_session_dir_path())


def non_loopback_listeners(pids: Iterable[int]) -> list[tuple[int, str, str, int]]:
    """The listening sockets of ``pids`` bound to anything but loopback (``0.0.0.0`` and ``::`` included)."""
    return [row for row in listening_sockets(pids) if not is_loopback(row[2])]


def is_loopback(ip: str) -> bool:
    """True for 127.0.0.0/8, ``::1`` and IPv4-mapped loopback (``::ffff:127.0.0.1``)."""
    try:
        addr = ipaddress.ip_address(ip.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(addr, "ipv4_mapped", None)
    return bool(addr.is_loopback or (mapped is not None and mapped.is_loopback))
