"""Load on the hub exchange service: many clients sending while their therapist imports.

    python benchmarks/hub_load.py [--clients 20] [--seconds 30]

Starts the service (`workbook.hub.service`) in a process of its own on loopback, with a fixed
token table instead of a hub (the hub's login is not what is measured). Each simulated client
has a real workbook started from a real start file, and sends its share file sealed afresh to
the therapist's key, as `workbook.hub.client.send` does, as fast as the service takes them;
a 429 ("too many waiting") makes it wait a little and try again. At the same time the
therapist fetches the inbox, opens each envelope and brings it in with
`exchange.import_share`, then marks it received. After the bounded time the clients stop and
the therapist empties the inbox. Then: envelopes sent = received, none lost, none doubled
(checked by id), throughput both ways, send latency, and the service's memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.hubcalls import call  # noqa: E402
from workbook import exchange  # noqa: E402
from workbook.hub import crypto  # noqa: E402
from workbook.store import Home  # noqa: E402

SERVE = """
import asyncio, logging, sys
logging.getLogger("tornado.access").setLevel(logging.ERROR)  # 429s are expected here
from tornado.httpserver import HTTPServer
from workbook.hub.service import Exchange, Limits, TokenIdentity, User, make_app
people = {f"t-client{i}": User(f"client{i}", False) for i in range(int(sys.argv[3]))}
people["t-therapist"] = User("therapist", True)
service = Exchange(sys.argv[1], identify=TokenIdentity(people), limits=Limits(per_day=10**9))
app = make_app(service, prefix="/services/rejection-exchange/")
async def main():
    HTTPServer(app, max_body_size=app.settings["max_body_size"]).listen(int(sys.argv[2]), "127.0.0.1")
    print("ready", flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


def rss_mib(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of `pid` in MiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found["VmRSS"], found["VmHWM"]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup(base: Path, url: str, clients: int):
    """The therapist's key and practice; each client's workbook, linked through an invitation."""
    therapist_key = crypto.new_private_key()
    public = crypto.public_bytes(therapist_key)
    call(url, "t-therapist", "PUT", "api/key", body={"public_key": crypto.b64(public)})
    practice = exchange.practice_home(Home(base / "therapist"))
    people = []
    for i in range(clients):
        secret = crypto.new_secret()
        link = crypto.invitation_id(secret)
        _slug, start = exchange.prepare(practice, f"Client {i}", stages_on=[1, 2, 3, 4, 5])
        body = {
            "id": link,
            "public_key": crypto.b64(public),
            "start": crypto.b64(crypto.seal_with_secret(secret, start)),
        }
        assert call(url, "t-therapist", "POST", "api/invitations", body=body)[0] == 201
        own = crypto.new_private_key()
        mine = crypto.public_bytes(own)
        proof = crypto.key_proof(secret, mine)
        status, _ = call(
            url,
            f"t-client{i}",
            "POST",
            f"api/invitations/{link}/redeem",
            body={"public_key": crypto.b64(mine), "proof": proof},
        )
        assert status == 200
        with exchange.start_from(Home(base / f"client{i}"), start) as wb:
            wb.put("rejection", {"kind": "friend", "description": f"What happened to client {i}. " * 20})
            for n in range(30):
                wb.put(
                    "checkin", {"stage": 1, "ratings": {"sadness": 1 + n % 10}, "own_words": "A day. " * 10}
                )
            people.append(
                {"token": f"t-client{i}", "link": link, "key": own, "share": exchange.share_file(wb, [1])}
            )
    return therapist_key, practice, people


def run(clients: int, seconds: float) -> dict:
    base = Path(tempfile.mkdtemp(prefix="hub-load-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}/services/rejection-exchange/"
    root = Path(__file__).resolve().parent.parent
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(base / "exchange.sqlite"), str(port), str(clients)],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout.readline().strip() == "ready"
        therapist_key, practice, people = setup(base, url, clients)
        rss_start = rss_mib(server.pid)[0]
        public = crypto.public_bytes(therapist_key)
        sent: list[str] = []
        latencies: list[float] = []
        busy = [0]
        lock = threading.Lock()
        stop = threading.Event()

        def client(person):
            while not stop.is_set():
                envelope = uuid.uuid4().hex
                about = f"share {person['link']}"  # as workbook.hub.client seals a share
                sealed = crypto.seal(public, person["share"], sender=person["key"], context=about)
                query = {"id": envelope, "link": person["link"], "kind": "share", "to": "therapist"}
                began = time.perf_counter()
                status, _ = call(url, person["token"], "POST", "api/envelopes", data=sealed, query=query)
                took = time.perf_counter() - began
                with lock:
                    if status == 201:
                        sent.append(envelope)
                        latencies.append(took)
                    elif status == 429:
                        busy[0] += 1
                    else:
                        raise SystemExit(f"unexpected {status}")
                if status == 429:
                    time.sleep(0.2)

        received: list[str] = []
        imported = [0]
        keys = {person["link"]: person["key"] for person in people}

        def therapist(until_empty: threading.Event):
            while True:
                status, inbox = call(url, "t-therapist", "GET", "api/envelopes", query={"kind": "share"})
                if not inbox["envelopes"]:
                    if until_empty.is_set():
                        return
                    time.sleep(0.05)
                    continue
                for envelope in inbox["envelopes"]:
                    status, data = call(url, "t-therapist", "GET", f"api/envelopes/{envelope['id']}")
                    link = envelope["link"]
                    sender = crypto.public_bytes(keys[link])
                    plain = crypto.open_sealed(therapist_key, data, sender=sender, context=f"share {link}")
                    exchange.import_share(practice, plain)
                    imported[0] += 1
                    call(url, "t-therapist", "POST", f"api/envelopes/{envelope['id']}/received", body={})
                    received.append(envelope["id"])

        drained = threading.Event()
        reader = threading.Thread(target=therapist, args=(drained,))
        senders = [threading.Thread(target=client, args=(p,)) for p in people]
        rss_peak = rss_start
        began = time.perf_counter()
        reader.start()
        for thread in senders:
            thread.start()
        while time.perf_counter() - began < seconds:
            time.sleep(0.5)
            rss_peak = max(rss_peak, rss_mib(server.pid)[0])
        stop.set()
        for thread in senders:
            thread.join()
        sending_time = time.perf_counter() - began
        drained.set()
        reader.join()
        total_time = time.perf_counter() - began
        rss_end, rss_hwm = rss_mib(server.pid)
        status, everything = call(url, "t-therapist", "GET", "api/envelopes", query={"all": "1"})
        return {
            "clients": clients,
            "seconds": round(sending_time, 1),
            "drained_after": round(total_time, 1),
            "sent": len(sent),
            "received": len(received),
            "lost": len(set(sent) - set(received)),
            "doubled": len(received) - len(set(received)),
            "unknown": len(set(received) - set(sent)),
            "service_count": len(everything["envelopes"]),
            "refused_busy_429": busy[0],
            "envelope_kib": round(
                len(crypto.seal(public, people[0]["share"], sender=people[0]["key"])) / 1024, 1
            ),
            "sent_per_s": round(len(sent) / sending_time, 1),
            "received_per_s": round(len(received) / total_time, 1),
            "send_ms_p50": round(1000 * statistics.median(latencies), 1),
            "send_ms_p95": round(1000 * statistics.quantiles(latencies, n=20)[-1], 1),
            "service_rss_mib_start": round(rss_start, 1),
            "service_rss_mib_peak_sampled": round(rss_peak, 1),
            "service_rss_mib_end": round(rss_end, 1),
            "service_rss_mib_hwm": round(rss_hwm, 1),
            "db_mib": round(sum(p.stat().st_size for p in base.glob("exchange.sqlite*")) / 2**20, 1),
        }
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {platform.platform()}; {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}; load average before: {os.getloadavg()[0]:.1f}"
    )
    result = run(args.clients, args.seconds)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    for key, value in result.items():
        print(f"{key:>30}: {value}")
    ok = result["sent"] == result["received"] == result["service_count"] and not (
        result["lost"] or result["doubled"] or result["unknown"]
    )
    print("sent = received, none lost or doubled" if ok else "MISMATCH: see above")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
