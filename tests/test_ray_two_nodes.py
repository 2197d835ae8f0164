"""Training through a two-node Ray cluster whose nodes live in two network namespaces of their own.

Why: "A two-node test may put the nodes in two network namespaces that the test creates and joins with a veth
pair (``ip netns``), never on the machine's external address." A real second node needs Ray's multi-node mode,
in which Ray binds its GCS and raylet servers to every interface; in a namespace that holds only ``lo`` and one
end of a private veth pair, "every interface" is loopback and that veth, so nothing is reachable from, or
bound to, the machine's external address.

How: the test creates namespaces A and B (names unique per process), a veth pair between them (created from
inside A straight into B: the host's own interfaces are never touched) with 10.213.7.1/24 in A and
10.213.7.2/24 in B, and no route anywhere else. It starts ``ray start --head`` in A and ``ray start --address``
in B (one CPU each, token authentication with a token of its own, separate short temp dirs), checks that the
cluster has both nodes, then runs ``arcadelab train --backend rllib --address`` from A with two env runners, so
one must run on each node. Afterwards it checks that every process of the cluster is inside the namespaces,
that nothing in them listens beyond loopback and the namespace's own address, and that no Ray log names any
other address.

Teardown stops every process in the two namespaces by PID (``ip netns pids``) and deletes the namespaces. Not
``ray stop --force``: ``ip netns exec`` changes only the network namespace, so that command would still see,
and kill, every Ray on the machine (other tests' and other people's). Namespaces left by a test process that
was killed outright are removed at the next run.

Needs root and a kernel that allows network namespaces and veth pairs; skips, saying why, otherwise.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("ray.rllib")
pytest.importorskip("torch")

from training import ray_runtime

REPO = Path(__file__).resolve().parents[1]
HEAD_IP, WORKER_IP = "10.213.7.1", "10.213.7.2"
PREFIX = 24
PORT = 6380  # the namespaces are fresh network stacks: no other process can hold a port in them
NS_NAME = re.compile(r"^arcadelab-(\d+)-[0-9a-f]+-[ab]$")
# Ray's C++ side looks for "this machine's IP" by connecting a UDP socket towards public DNS servers (a route
# lookup, no packet is sent); in the namespaces there is no route, and it logs that it fell back.
RAY_IP_PROBE = "via external connectivity to"
RAY_IP_PROBE_TARGETS = {"8.8.8.8"}
_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")


def _run(cmd: list[str], timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)


def _ip(*args: str) -> str:
    out = _run(["ip", *args])
    if out.returncode != 0:
        raise RuntimeError(f"`ip {' '.join(args)}` failed: {(out.stderr or out.stdout).strip()}")
    return out.stdout


def _netns_pids(ns: str) -> list[int]:
    return [int(pid) for pid in _run(["ip", "netns", "pids", ns]).stdout.split()]


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (zombies hold nothing and wait for their parent)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _stop_netns_processes(ns: str, grace: float = 3.0) -> list[int]:
    """SIGTERM every process in ``ns``, SIGKILL what outlives ``grace``; return the PIDs still running."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0), (signal.SIGKILL, 5.0)):
        pids = [pid for pid in _netns_pids(ns) if _running(pid)]
        if not pids:
            return []
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(_running(pid) for pid in _netns_pids(ns)):
            time.sleep(0.2)
    return [pid for pid in _netns_pids(ns) if _running(pid)]


def _remove_netns(ns: str) -> list[int]:
    left = _stop_netns_processes(ns)
    _run(["ip", "netns", "delete", ns])
    return left


def _remove_stale_namespaces() -> None:
    """Namespaces of this test whose test process is gone (it was killed before its teardown ran)."""
    for line in _run(["ip", "netns", "list"]).stdout.splitlines():
        name = line.split(" ", 1)[0]
        match = NS_NAME.match(name)
        if match and not _running(int(match.group(1))):
            _remove_netns(name)


def _netns_inode(ns: str) -> int:
    for folder in ("/run/netns", "/var/run/netns"):
        if os.path.exists(f"{folder}/{ns}"):
            return os.stat(f"{folder}/{ns}").st_ino
    raise FileNotFoundError(f"network namespace {ns} not found under /run/netns")


def _process_netns_inode(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino
    except OSError:
        return None


def _process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def _addresses(ns: str) -> set[str]:
    """The addresses configured in ``ns`` (``ip -o addr``), without prefix lengths."""
    found = set()
    for line in _ip("-n", ns, "-o", "addr", "show").splitlines():
        fields = line.split()
        for family in ("inet", "inet6"):
            if family in fields:
                found.add(fields[fields.index(family) + 1].split("/")[0])
    return found


def _listeners(ns: str) -> list[tuple[str, str]]:
    """``(local address, process)`` of every listening TCP and bound UDP socket in ``ns``."""
    out = _run(["ip", "netns", "exec", ns, "ss", "-H", "-l", "-t", "-u", "-n", "-p"])
    assert out.returncode == 0, out.stderr
    rows = []
    for line in out.stdout.splitlines():
        fields = line.split()
        if len(fields) < 6:
            continue
        host = fields[4].rsplit(":", 1)[0].split("%")[0].strip("[]")
        rows.append((host, " ".join(fields[6:])))
    return rows


def _foreign_ips(text: str, allowed: set[str]) -> set[str]:
    """IPv4 addresses in ``text`` other than 127.x and ``allowed`` (Ray's IP probe target excepted)."""
    bad = set()
    for line in text.splitlines():
        for ip in _IPV4.findall(line):
            try:
                ipaddress.IPv4Address(ip)
            except ValueError:
                continue
            if ip.startswith("127.") or ip in allowed:
                continue
            if RAY_IP_PROBE in line and ip in RAY_IP_PROBE_TARGETS:
                continue
            bad.add(ip)
    return bad


def _session_dirs(temp_dir: Path) -> list[Path]:
    return [p for p in temp_dir.glob("session_*") if p.is_dir() and not p.is_symlink()]


@dataclass
class Cluster:
    address: str
    head_ns: str
    worker_ns: str
    root: Path  # head temp dir in root/a, worker temp dir in root/b, the token in root/auth_token
    driver_env: dict[str, str]
    veths: tuple[str, str]
    cli_output: str  # what the two `ray start` commands printed


@pytest.fixture
def ray_two_nodes():
    """A Ray head in namespace A and a worker node in namespace B, joined by a veth pair; all gone after."""
    if os.geteuid() != 0:
        pytest.skip("needs root to create network namespaces (ip netns)")
    if shutil.which("ip") is None or shutil.which("ss") is None:
        pytest.skip("needs iproute2 (`ip` and `ss`)")
    _remove_stale_namespaces()
    tag = f"{os.getpid()}-{secrets.token_hex(3)}"
    head_ns, worker_ns = f"arcadelab-{tag}-a", f"arcadelab-{tag}-b"
    veth_a, veth_b = f"al{tag[-6:]}a", f"al{tag[-6:]}b"  # interface names are at most 15 characters
    created: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="al2n", dir="/tmp"))  # Ray's socket paths must stay under 107 bytes
    try:
        for ns in (head_ns, worker_ns):
            out = _run(["ip", "netns", "add", ns])
            if out.returncode != 0:
                pytest.skip(f"cannot create a network namespace: {(out.stderr or out.stdout).strip()}")
            created.append(ns)
        out = _run(["ip", "-n", head_ns, "link", "add", veth_a, "type", "veth", "peer", "name", veth_b,
                    "netns", worker_ns])  # fmt: skip
        if out.returncode != 0:
            pytest.skip(f"cannot create a veth pair between namespaces: {(out.stderr or out.stdout).strip()}")
        out = _run(["ip", "netns", "exec", head_ns, "true"])
        if out.returncode != 0:
            pytest.skip(f"cannot run a process in a network namespace: {(out.stderr or out.stdout).strip()}")
        for ns, dev, ip in ((head_ns, veth_a, HEAD_IP), (worker_ns, veth_b, WORKER_IP)):
            _ip("-n", ns, "addr", "add", f"{ip}/{PREFIX}", "dev", dev)
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", dev, "up")

        token = root / "auth_token"
        token.write_text(secrets.token_hex(32))
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
        base_env.update(
            {
                "RAY_AUTH_MODE": "token",
                "RAY_AUTH_TOKEN_PATH": str(token),
                "RAY_USAGE_STATS_ENABLED": "0",
                "SDL_VIDEODRIVER": "dummy",
                "SDL_AUDIODRIVER": "dummy",
            }
        )
        # Ray refuses `ray start --address` (a second node) unless multi-node mode is on; ArcadeLab's "0" is for
        # a local Ray. The node IPs are explicit and the namespaces hold no other address.
        node_env = {**base_env, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "1"}
        # The driver (arcadelab) sets its own safe Ray environment; "0" here too, as `make test` has it.
        driver_env = {**base_env, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
        ray_cli = [sys.executable, "-m", "ray.scripts.scripts", "start", "--num-cpus=1",
                   "--object-store-memory=200000000", "--disable-usage-stats"]  # fmt: skip
        address = f"{HEAD_IP}:{PORT}"
        starts = [
            (head_ns, ["--head", f"--node-ip-address={HEAD_IP}", f"--port={PORT}", "--include-dashboard=false",
                       f"--temp-dir={root / 'a'}"]),
            (worker_ns, [f"--address={address}", f"--node-ip-address={WORKER_IP}", f"--temp-dir={root / 'b'}"]),
        ]  # fmt: skip
        cli_output = ""
        for ns, args in starts:
            out = _run(["ip", "netns", "exec", ns, *ray_cli, *args], timeout=180, env=node_env, cwd=REPO)
            cli_output += out.stdout + out.stderr
            assert out.returncode == 0, f"ray start in {ns} failed:\n{(out.stdout + out.stderr)[-4000:]}"
        yield Cluster(address, head_ns, worker_ns, root, driver_env, (veth_a, veth_b), cli_output)
    finally:
        left = {ns: _remove_netns(ns) for ns in reversed(created)}
        shutil.rmtree(root, ignore_errors=True)
        listed = _run(["ip", "netns", "list"]).stdout
        assert not any(pids for pids in left.values()), f"processes survived SIGKILL: {left}"
        assert not [ns for ns in created if ns in listed.split()], f"namespaces left behind:\n{listed}"


def test_train_through_two_nodes_in_network_namespaces(ray_two_nodes, tmp_path):
    c = ray_two_nodes
    node_ip = {c.head_ns: HEAD_IP, c.worker_ns: WORKER_IP}

    # Each namespace holds loopback and its end of the veth pair only (IPv6: ::1 and the veth's link-local).
    for ns, ip in node_ip.items():
        addrs = _addresses(ns)
        ipv4 = {a for a in addrs if ipaddress.ip_address(a).version == 4}
        ipv6 = {ipaddress.ip_address(a) for a in addrs} - {ipaddress.ip_address(a) for a in ipv4}
        assert ipv4 == {"127.0.0.1", ip}, (ns, addrs)
        assert all(a.is_loopback or a.is_link_local for a in ipv6), (ns, addrs)
        assert _ip("-n", ns, "route", "show", "default").strip() == "", f"{ns} has a default route"
    host_links = {line.split(":")[1].strip().split("@")[0] for line in _ip("-o", "link", "show").splitlines()}
    assert not host_links & set(c.veths), f"the veth pair is in the host's namespace: {sorted(host_links)}"

    # The cluster: two alive nodes, one per namespace address, one CPU each (seen from a driver in A).
    code = textwrap.dedent(
        f"""
        import json, time, ray
        ray.init(address={c.address!r}, log_to_driver=False)
        deadline = time.time() + 60
        while True:
            nodes = [n for n in ray.nodes() if n["Alive"]]
            if len(nodes) >= 2 or time.time() > deadline:
                break
            time.sleep(0.5)
        print("NODES", json.dumps(sorted([n["NodeManagerAddress"], n["Resources"].get("CPU")] for n in nodes)))
        """
    )
    out = _run(["ip", "netns", "exec", c.head_ns, sys.executable, "-c", code], timeout=120,
               env=c.driver_env, cwd=REPO)  # fmt: skip
    assert out.returncode == 0, out.stderr[-4000:]
    nodes_line = next(line for line in out.stdout.splitlines() if line.startswith("NODES "))
    assert json.loads(nodes_line.split(" ", 1)[1]) == [[HEAD_IP, 1.0], [WORKER_IP, 1.0]], out.stdout

    # Train from A through the cluster. Two env runners of one CPU each on two one-CPU nodes: one per node.
    config = tmp_path / "tiny_pong.yaml"
    config.write_text(
        textwrap.dedent(
            """
            env_id: ArcadeLab/Pong-v0
            algo: ppo
            total_steps: 128
            seed: 0
            checkpoint:
              every_steps: 1000
            rllib:
              algo: PPO
              hyperparams: {train_batch_size_per_learner: 128, minibatch_size: 64, num_epochs: 1}
              num_env_runners: 2
            """
        )
    )
    run_dir = tmp_path / "run"
    arcadelab = Path(sys.executable).with_name("arcadelab")
    train = [str(arcadelab), "train", str(config), "--backend", "rllib", "--address", c.address,
             "--run-dir", str(run_dir), "--total-steps", "128", "--device", "cpu", "--no-progress"]  # fmt: skip
    t0 = time.perf_counter()
    out = _run(["ip", "netns", "exec", c.head_ns, *train], timeout=300, env=c.driver_env, cwd=REPO)
    print(f"training through the two-node cluster took {time.perf_counter() - t0:.1f}s")
    assert out.returncode == 0, (out.stdout + out.stderr)[-4000:]
    final = run_dir / "checkpoints" / "final"
    assert (final / "learner_group" / "learner" / "rl_module" / "default_policy").is_dir()
    meta = json.loads((final / "arcadelab.json").read_text())
    assert meta["algo"] == "PPO" and meta["env_steps"] >= 128, meta

    # An env runner ran on each node: each node's session logs hold a worker of the runner actor.
    for ns, node_dir in ((c.head_ns, c.root / "a"), (c.worker_ns, c.root / "b")):
        runners = [
            p
            for session in _session_dirs(node_dir)
            for p in (session / "logs").glob("worker-*.out")
            if ":actor_name:SingleAgentEnvRunner" in p.read_text(errors="replace")
        ]
        assert runners, f"no env runner ran on the node in {ns} ({node_dir})"

    # Every process of the cluster lives in one of the two namespaces.
    inodes = {_netns_inode(ns): ns for ns in node_ip}
    pids = ray_runtime.ray_process_pids(c.root)
    where = {pid: inodes.get(_process_netns_inode(pid)) for pid in pids}
    outside = {pid: _process_name(pid) for pid, ns in where.items() if ns is None and _running(pid)}
    assert not outside, f"Ray processes outside the namespaces: {outside}"
    names = {ns: {_process_name(pid) for pid, n in where.items() if n == ns} for ns in node_ip}
    assert {"gcs_server", "raylet"} <= names[c.head_ns], names
    assert "raylet" in names[c.worker_ns], names

    # Nothing listens beyond loopback and the namespace's own address. The GCS and raylets of a multi-node
    # Ray bind the wildcard address; inside a namespace holding only lo and the veth (checked above), that is
    # loopback and the veth address, never the machine's external one.
    wildcard = {"*", "0.0.0.0", "::"}
    for ns, ip in node_ip.items():
        rows = _listeners(ns)
        assert rows, f"nothing listens in {ns}: the check is not looking at Ray"
        allowed = {"127.0.0.1", "::1", "::ffff:127.0.0.1", ip, f"::ffff:{ip}"} | wildcard
        bad = [row for row in rows if row[0] not in allowed]
        assert not bad, f"listening beyond loopback and {ip} in {ns}: {bad}"

    # No Ray log, nor what `ray start` and the driver printed, names any other address.
    allowed_ips = {HEAD_IP, WORKER_IP}
    leaks = {}
    for node_dir in (c.root / "a", c.root / "b"):
        sessions = _session_dirs(node_dir)
        assert sessions, f"no Ray session under {node_dir}"
        for session in sessions:
            for path in (session / "logs").rglob("*"):
                if path.is_file():
                    bad = _foreign_ips(path.read_text(errors="replace"), allowed_ips)
                    if bad:
                        leaks[str(path.relative_to(c.root))] = bad
    for label, text in (("ray start", c.cli_output), ("arcadelab train", out.stdout + out.stderr)):
        bad = _foreign_ips(text, allowed_ips)
        if bad:
            leaks[label] = bad
    assert not leaks, f"addresses other than loopback and the namespaces' in Ray's output: {leaks}"
