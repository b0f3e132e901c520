"""A small HTTP/1.1 keep-alive load generator (asyncio, standard library only) for machines without
wrk: `n` connections each send GET requests back to back for `seconds`; returns (requests/s, p99 ms).

It spends its own CPU beside the server's, so on a small machine its figures are lower than wrk's;
the benchmark compares a page and its reference measured the same way, which cancels most of that."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit


async def _conn(host, port, target, headers, deadline, latencies, errors):
    request = (f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n{headers}\r\n").encode()
    writer = None
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        if writer is None:  # gunicorn's sync workers close after each response, as wrk sees too
            reader, writer = await asyncio.open_connection(host, port)
        writer.write(request)
        status = await reader.readline()
        length, close = 0, False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        await reader.readexactly(length)
        latencies.append((time.perf_counter() - t0) * 1000)
        code = status.split()[1] if len(status.split()) > 1 else b"000"
        if not code.startswith((b"2", b"3")):
            errors.append(status)
        if close:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def run(
    url: str, connections: int = 20, seconds: float = 15, cookie: str | None = None
) -> tuple[float, float]:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = f"Cookie: {cookie}\r\n" if cookie else ""
    latencies: list[float] = []
    errors: list[bytes] = []

    async def main():
        deadline = time.perf_counter() + seconds
        await asyncio.gather(
            *(
                _conn(parts.hostname, parts.port or 80, target, headers, deadline, latencies, errors)
                for _ in range(connections)
            )
        )

    t0 = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"{url}: {len(errors)} error responses, e.g. {errors[0]!r}")
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / elapsed, p99
