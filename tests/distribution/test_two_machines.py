"""Two "machines" on this host: two network namespaces joined by a veth pair, one rank in each,
talking TCP over the veth. Needs root (CI runs as root) and MPICH's launcher (hydra); where the
kernel refuses the namespaces the test skips with the kernel's refusal as its reason."""

import os
import subprocess
import sys

import numpy as np
import pytest

from mpi_run import HERE, environment, python, require_mpi

# hydra's ssh launcher runs `LAUNCHER [-x] HOST COMMAND`: this one "logs in" to a host by
# entering its namespace, with a hostname of its own so that MPI sees two nodes.
FAKE_SSH = """#!/bin/sh
while [ "${1#-}" != "$1" ]; do shift; done
host=$1; shift
case $host in %(a_ip)s) ns=%(a)s;; %(b_ip)s) ns=%(b)s;; *) echo "unknown host $host" >&2; exit 1;; esac
exec ip netns exec $ns unshare --uts sh -c "hostname node-$ns; $*"
"""


def _ip(*args):
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20)


def _veth_bytes(namespace, device):
    out = subprocess.run(["ip", "netns", "exec", namespace, "cat", f"/sys/class/net/{device}/statistics/rx_bytes"],
                         capture_output=True, text=True, timeout=20)
    return int(out.stdout)


@pytest.fixture
def namespaces():
    tag = str(os.getpid() % 100000)
    a, b = f"lam{tag}a", f"lam{tag}b"
    made = _ip("netns", "add", a)
    if made.returncode != 0:
        pytest.skip(f"the kernel refused a network namespace: {made.stderr.strip()}")
    try:
        steps = [("netns", "add", b), ("link", "add", f"v{tag}a", "type", "veth", "peer", "name", f"v{tag}b"),
                 ("link", "set", f"v{tag}a", "netns", a), ("link", "set", f"v{tag}b", "netns", b),
                 ("-n", a, "addr", "add", "10.231.7.1/24", "dev", f"v{tag}a"),
                 ("-n", b, "addr", "add", "10.231.7.2/24", "dev", f"v{tag}b"),
                 ("-n", a, "link", "set", f"v{tag}a", "up"), ("-n", b, "link", "set", f"v{tag}b", "up"),
                 ("-n", a, "link", "set", "lo", "up"), ("-n", b, "link", "set", "lo", "up")]
        for step in steps:
            done = _ip(*step)
            if done.returncode != 0:
                pytest.skip(f"the kernel refused `ip {' '.join(step)}`: {done.stderr.strip()}")
        yield {"a": a, "b": b, "a_ip": "10.231.7.1", "b_ip": "10.231.7.2", "a_dev": f"v{tag}a", "b_dev": f"v{tag}b"}
    finally:
        _ip("netns", "del", a)
        _ip("netns", "del", b)


def test_one_rank_per_namespace_over_tcp(namespaces, tmp_path):
    launcher = require_mpi()
    version = subprocess.run([launcher, "--version"], capture_output=True, text=True, timeout=20).stdout
    if "HYDRA" not in version.upper():
        pytest.skip("the two-namespace launch uses MPICH's hydra launcher; this mpirun is another")
    fake_ssh = tmp_path / "fake_ssh"
    fake_ssh.write_text(FAKE_SSH % namespaces)
    fake_ssh.chmod(0o755)
    one = python([HERE / "worker.py", tmp_path / "one.npz", "dense_sgd"])
    assert one.returncode == 0, one.stderr[-3000:]
    before = _veth_bytes(namespaces["b"], namespaces["b_dev"])
    command = ["ip", "netns", "exec", namespaces["a"], launcher, "-launcher", "ssh", "-launcher-exec", str(fake_ssh),
               "-hosts", f"{namespaces['a_ip']},{namespaces['b_ip']}", "-iface", namespaces["a_dev"], "-n", "2",
               sys.executable, str(HERE / "worker.py"), str(tmp_path / "two.npz"), "dense_sgd"]
    # TCP between the ranks: UCX and libfabric would otherwise see one host and use shared memory.
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=HERE,
                          env=environment(UCX_TLS="tcp,self", FI_PROVIDER="tcp"))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    a, b = np.load(tmp_path / "one.npz"), np.load(tmp_path / "two.npz")
    for key in a.files:
        np.testing.assert_allclose(b[key], a[key], atol=1e-5, err_msg=key)
    # Rank 1 ran on the second "machine" (rank 0 runs beside the launcher, in the first); between
    # namespaces the veth is the only way.
    assert f"rank 1 on node-{namespaces['b']}" in done.stdout, done.stdout
    assert f"rank 0 on node-{namespaces['b']}" not in done.stdout
    # 8 steps x (gradients + metric state) of at least 4 x 195 bytes crossed the veth.
    assert _veth_bytes(namespaces["b"], namespaces["b_dev"]) - before > 8 * 4 * 195
