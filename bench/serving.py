"""Load test of `lamina serve` on loopback: the workload mlp (784-256-256-10) behind TF
Serving's REST API, with and without server-side batching, at concurrency 1, 8 and 64.

A small asyncio HTTP/1.1 client (one keep-alive connection per concurrent user) sends a fixed
number of single-row `{"instances": [...]}` predict requests under a time cap and records each
request's latency. The server is pinned to core 0 and the client to core 1 (where the machine
has two cores), so the client's own cost does not come out of the server's.

    python bench/serving.py [--requests 2000] [--time-cap 60] [--concurrency 1,8,64]
Prints one JSON line per run and a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "serving"))
sys.path.insert(0, HERE)

from server_process import ServerProcess  # noqa: E402
from workloads import lamina_model  # noqa: E402

BATCHING = "max_batch_size { value: 64 }\nbatch_timeout_micros { value: 0 }\nnum_batch_threads { value: 1 }\n"


async def _user(host, port, path, body: bytes, count: int, latencies: list, failures: list, deadline: float):
    reader, writer = await asyncio.open_connection(host, port)
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    try:
        for _ in range(count):
            if time.monotonic() > deadline:
                return
            start = time.perf_counter()
            writer.write(head + body)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            payload = await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if b" 200 " not in status_line or b"predictions" not in payload:
                failures.append(status_line.decode(errors="replace").strip())
    finally:
        writer.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (Linux)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def load(port: int, name: str, body: bytes, requests: int, concurrency: int, time_cap: float) -> dict:
    latencies, failures = [], []
    per_user = [requests // concurrency + (1 if i < requests % concurrency else 0) for i in range(concurrency)]
    deadline = time.monotonic() + time_cap
    start = time.perf_counter()
    await asyncio.gather(*(_user("127.0.0.1", port, f"/v1/models/{name}:predict", body, n, latencies, failures,
                                 deadline) for n in per_user))
    wall = time.perf_counter() - start
    ms = sorted(x * 1e3 for x in latencies)
    return {"requests": len(ms), "failures": len(failures) + (requests - len(ms)), "wall_s": wall,
            "rps": len(ms) / wall, "p50_ms": statistics.median(ms), "p99_ms": ms[min(len(ms) - 1, int(0.99 * len(ms)))]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--time-cap", type=float, default=60.0)
    ap.add_argument("--concurrency", default="1,8,64")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-pin", action="store_true", help="let the OS place server and client")
    args = ap.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    body = json.dumps({"instances": np.random.default_rng(0).standard_normal((1, 784)).round(4).tolist()}).encode()
    two_cores = hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2 and not args.no_pin
    runs: dict = {}
    with tempfile.TemporaryDirectory() as root:
        base = os.path.join(root, "mlp")
        os.makedirs(os.path.join(base, "1"))
        lamina_model("mlp").save(os.path.join(base, "1", "model.keras"))
        params = os.path.join(root, "batching.txt")
        with open(params, "w") as f:
            f.write(BATCHING)
        # Both servers run side by side (each pinned to core 0 from its start, the client to
        # core 1), and the measurements alternate between them: medians of --reps rounds.
        servers = {False: ServerProcess(base, "mlp", log_path=os.path.join(root, "plain.log"),
                                        cpus={0} if two_cores else None),
                   True: ServerProcess(base, "mlp", extra_args=["--enable_batching",
                                                                f"--batching_parameters_file={params}"],
                                       log_path=os.path.join(root, "batching.log"), cpus={0} if two_cores else None)}
        try:
            for server in servers.values():
                server.wait_ready()
            if two_cores:
                os.sched_setaffinity(0, {1})
            for rep in range(args.reps):
                for c in levels:
                    for batching, server in servers.items():
                        if rep == 0:
                            asyncio.run(load(server.port, "mlp", body, min(200, args.requests), c, args.time_cap))
                        cpu = cpu_seconds(server.proc.pid)
                        result = asyncio.run(load(server.port, "mlp", body, args.requests, c, args.time_cap))
                        # The server's CPU time per request tells work (batching's saving) from
                        # waiting (its lock-step with a closed-loop client).
                        spent = cpu_seconds(server.proc.pid) - cpu
                        result["server_cpu_us"] = spent / max(result["requests"], 1) * 1e6
                        result.update({"batching": batching, "concurrency": c, "rep": rep})
                        print(json.dumps(result), flush=True)
                        runs.setdefault((batching, c), []).append(result)
        finally:
            for server in servers.values():
                server.stop()
    print(f"\nmedians of {args.reps} rounds, {args.requests} requests each")
    print("| batching | concurrency | requests (all rounds) | failures | p50 (ms) | p99 (ms) | requests/s | "
          "server CPU per request (us) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for (batching, c), rs in sorted(runs.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        med = {k: statistics.median(r[k] for r in rs) for k in ("p50_ms", "p99_ms", "rps", "server_cpu_us")}
        print(f"| {'on' if batching else 'off'} | {c} | {sum(r['requests'] for r in rs)} | "
              f"{sum(r['failures'] for r in rs)} | {med['p50_ms']:.2f} | {med['p99_ms']:.2f} | {med['rps']:.0f} | "
              f"{med['server_cpu_us']:.0f} |")


if __name__ == "__main__":
    main()
