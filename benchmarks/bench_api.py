"""Warm ``GET /api/v1/signals/{symbol}`` on loopback: requests per second, p50 and p99 latency.

Run: .venv/bin/python benchmarks/bench_api.py [--symbol sp500] [--workers 2] [--seconds 10]
     [--requests 200000] [--connections 8,32] [--clients 2]

A fresh data home is made under a temporary folder; the signal model is trained and registered
there first (the server must not train while measured), a viewer is added, then
``signaltrust api --workers N`` serves on a free loopback port with the rate limits raised out
of the way (they are measured elsewhere). Every worker is warmed until its cache holds the
answer, then ``--clients`` processes keep ``--connections`` keep-alive HTTP/1.1 connections
each busy for ``--seconds`` or ``--requests`` in all, whichever ends first; a list of
connection counts measures each in turn against the same server. Each request carries the
viewer's bearer token (checked on every request). Goal: 3,000 requests per second with p99
under 20 ms (seed target: 2,000 per second within 150 ms). Latency grows with the requests in
flight (Little's law: 64 connections at 3,000 per second wait 21 ms on average), so the goal is
judged at each concurrency and the figures say which.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PASSWORD = "bench password 123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(home: Path, symbol: str) -> None:
    """Train and register the symbol's model, add a viewer (in this process)."""
    from signaltrust.api.services.signals import SignalService
    from signaltrust.api.users import UserStore
    from signaltrust.ml.registry import tracking_uri
    from signaltrust.storage import open_database

    started = time.perf_counter()
    answer = SignalService(tracking_uri=tracking_uri(home),
                           lock_dir=home / "api" / "locks").signal(symbol)
    print(f"model {answer['model_version']['name']} v{answer['model_version']['version']} "
          f"trained and registered in {time.perf_counter() - started:.1f}s "
          f"(score {answer['score']:.3f})")
    database = open_database(None, home)
    UserStore(database).add("bench", "viewer", PASSWORD)
    database.dispose()


async def _connection(host: str, port: int, request: bytes, stop_at: float, budget: list[int],
                      latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at and budget[0] > 0:
            budget[0] -= 1
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            status = int(head.split(b" ", 2)[1])
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            if status != 200:
                raise RuntimeError(f"status {status}")
            latencies.append(time.perf_counter() - start)
    finally:
        writer.close()


def _client(args: tuple) -> tuple[list[float], float, float]:
    host, port, path, token, connections, seconds, requests = args
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}"
               "\r\nAccept: application/json\r\n\r\n").encode()
    latencies: list[float] = []
    budget = [requests]
    stop_at = time.perf_counter() + seconds

    async def main() -> None:
        await asyncio.gather(*[_connection(host, port, request, stop_at, budget, latencies)
                               for _ in range(connections)])

    began = time.time()
    try:  # the load generator as light as it can be: it shares the cores with the server
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
    return latencies, began, time.time()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbol", default="sp500")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--connections", default="8,32",
                        help="per client process; a comma-separated list measures each")
    parser.add_argument("--clients", type=int, default=2, help="load-generating processes")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench_api_"))
    os.environ["SIGNALTRUST_HOME"] = str(home)
    prepare(home, args.symbol)
    port = free_port()
    env = {**os.environ, "SIGNALTRUST_HOME": str(home),
           "SIGNALTRUST__API__RATE_LIMIT": "100000000/minute",
           "SIGNALTRUST__API__ADDRESS_RATE_LIMIT": "100000000/minute",
           "SIGNALTRUST__LOG__LEVEL": "ERROR"}
    server = subprocess.Popen(
        [sys.executable, "-c", "from signaltrust.cli.main import run; run()", "api",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    path = f"/api/v1/signals/{args.symbol}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                error = server.stderr.read().decode()[-2000:] if server.stderr else ""
                raise SystemExit(f"the API did not start: {error}")
            time.sleep(0.2)
        token = httpx.post(f"{base}/api/v1/auth/token", data={
            "username": "bench", "password": PASSWORD}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        started = time.perf_counter()
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            first = client.get(path)
            first.raise_for_status()
            for _ in range(50 * args.workers):  # new connections spread over the workers
                with httpx.Client(base_url=base, headers=headers, timeout=120) as fresh:
                    fresh.get(path).raise_for_status()
        print(f"warm-up (each worker loads the champion): {time.perf_counter() - started:.1f}s;"
              f" answer {len(first.content):,} bytes, trained={first.json()['trained']}")
        levels = [int(x) for x in str(args.connections).split(",") if x.strip()]
        measured = []
        for level in levels:
            jobs = [("127.0.0.1", port, path, token, level, args.seconds,
                     max(1, args.requests // args.clients)) for _ in range(args.clients)]
            with multiprocessing.get_context("spawn").Pool(args.clients) as pool:
                results = pool.map(_client, jobs)
            measured.append((level, results))
    finally:
        server.terminate()
        server.wait(30)
    for level, results in measured:
        elapsed = max(r[2] for r in results) - min(r[1] for r in results)
        latencies = [x for r in results for x in r[0]]
        figures = {
            "requests": len(latencies), "seconds": round(elapsed, 2),
            "requests_per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(1000 * percentile(latencies, 0.50), 2),
            "p99_ms": round(1000 * percentile(latencies, 0.99), 2),
            "workers": args.workers, "connections": level * args.clients,
            "cpus": os.cpu_count(),
        }
        print(json.dumps(figures))
        rate, p99 = figures["requests_per_second"], figures["p99_ms"]
        goal = "met" if rate >= 3000 and p99 < 20 else "not met"
        seed = "met" if rate >= 2000 and p99 < 150 else "not met"
        print(f"{level * args.clients} connections: goal 3,000 req/s with p99 < 20 ms: {goal} "
              f"(seed target 2,000 req/s within 150 ms: {seed})")


if __name__ == "__main__":
    main()
