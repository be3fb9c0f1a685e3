"""Coroutines run to the end from a test, whatever loop the test's thread already holds."""

from __future__ import annotations

import asyncio
import concurrent.futures


def run(coroutine):
    """`asyncio.run(coroutine)` in a thread of its own: after some tests (Playwright's, a
    kernel client's) a loop is still running in the test thread, and asyncio.run refuses."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
