"""Cold ``dozor status`` at hundreds of hosts, against its floors, in one run.

``python -m bench.scale [--sizes 200,500] [--runs 3] [--dir /tmp/dzb-scale] [--subnet 127.1.] [--keep]``

The bench environment of ``bench/env.py`` (ONE engine, N sshd sharing it), on a /16 loopback prefix
(127.1.B.H) so it can hold more than 250 hosts. Per size, alternating, ``--runs`` times each:

- ``dozor --json status`` as shipped: a new process, new connections, the engine socket remembered from an
  earlier (untimed) run, the inventory's default concurrency (50 hosts worked on at once);
- the probe (``bench/engine_api.py``): a minimal client asking the same question through the Engine API, all
  hosts at once — the floor of dozor's own path;
- the lower bound (``bench/lower_bound.py``): the CLI path's remote commands, all hosts at once — the floor of
  answering with remote commands.

Printed per size (medians): wall seconds, client CPU per host (user+sys of the process, ``wait4``), peak RSS,
the peak of open file descriptors of the dozor process (sampled from /proc) against its file budget
(``dozor.transport.fdlimit``), and the per-host latency spread (p50/p90/max: dozor's per-host ``duration``,
which starts when the host's turn comes; the probe's connect + question). A size is skipped, and said, when
the machine's free memory or the time budget (``--budget-min``) does not cover it. Not a test: tables only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import env as benv
from bench import measure as m

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
MB_PER_CONNECTED_HOST = 12
"""Memory a bench host costs while it is asked: the sshd connection's two processes (privsep + session)."""


@dataclass
class Run:
    """One finished subprocess with its peak of open file descriptors."""

    t: m.Timed
    peak_fds: int


def timed_fds(argv: list[str], timeout: float = 600) -> Run:
    """``measure.timed`` plus the peak of /proc/PID/fd, sampled every 20 ms."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=m._clean_env(),
                             cwd=str(m.ROOT))
        peak = 0
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            with contextlib.suppress(OSError):  # the process may be gone between wait4 and the listing
                peak = max(peak, len(os.listdir(f"/proc/{p.pid}/fd")))
            if time.monotonic() - t > timeout:
                p.kill()
                pid, status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.02)
        wall = time.monotonic() - t
        out.seek(0)
        err.seek(0)
        return Run(m.Timed(wall=wall, rc=os.waitstatus_to_exitcode(status), rss_mb=ru.ru_maxrss / 1024,
                           cpu=ru.ru_utime + ru.ru_stime, stdout=out.read().decode(errors="replace"),
                           stderr=err.read().decode(errors="replace")), peak)


def med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def spread(latencies: list[float]) -> tuple[float, float, float]:
    """p50, p90, max (seconds)."""
    xs = sorted(latencies)
    if not xs:
        return (float("nan"),) * 3
    return xs[len(xs) // 2], xs[min(len(xs) - 1, int(0.9 * len(xs)))], xs[-1]


def mem_available_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) // 1024
    return 0


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def measure(env: benv.BenchEnv, n: int, runs: int, question: str = "status") -> dict:
    """Cold ``question`` (status or diagnose), probe (status only) and lower bound at ``n`` hosts."""
    from dozor.inventory import load_inventory
    from dozor.transport.fdlimit import needed_fds

    inv = load_inventory(env.inventory(n))
    budget = needed_fds([inv.resolve(h) for h in inv.hosts], inv.defaults.concurrency)
    argv = [m.DOZOR, "--inventory", str(env.inventory(n)), "--json", "--no-progress", question]
    log(f"N={n}: warm-up {question} (remembers the engine socket) and the CLI path's commands for the lower bound")
    first = timed_fds(argv)
    if first.t.rc not in (0, 1, 2, 3) or not first.t.stdout.startswith("{"):  # diagnose exits 1-3 on findings
        raise RuntimeError(f"dozor {question} at N={n} exited {first.t.rc}: {first.t.stderr[-1500:]}")
    cap = m.capture(env, n, question, cli=True)
    plan = m.write_plan(env, n, cap["commands"], question)
    rows: dict[str, list] = {k: [] for k in ("status", "status_cpu", "status_rss", "status_fds", "status_ok",
                                             "probe", "probe_cpu", "probe_rss", "probe_ok", "lb", "lb_cpu", "lb_ok")}
    lat_dozor: list[float] = []
    lat_probe: list[float] = []
    for i in range(runs):
        order = ["status", "probe", "lb"] if i % 2 == 0 else ["lb", "probe", "status"]
        if question != "status":  # the probe asks the status question only
            order.remove("probe")
        for what in order:
            if what == "status":
                r = timed_fds(argv)
                body = json.loads(r.t.stdout)
                rows["status"].append(r.t.wall)
                rows["status_cpu"].append(r.t.cpu * 1000 / n)
                rows["status_rss"].append(r.t.rss_mb)
                rows["status_fds"].append(r.peak_fds)
                rows["status_ok"].append(sum(h["status"] == "ok" for h in body["hosts"]))
                lat_dozor += [h["duration"] for h in body["hosts"]]
            elif what == "probe":
                t = m.engine_api(plan, env.sock)
                body = json.loads(t.stdout)
                rows["probe"].append(body["wall"])
                rows["probe_cpu"].append(t.cpu * 1000 / n)
                rows["probe_rss"].append(t.rss_mb)
                rows["probe_ok"].append(body["ok"])
                lat_probe += body["latencies"]
            else:
                t = m.lower_bound(plan)
                body = json.loads(t.stdout)
                rows["lb"].append(body["wall"])
                rows["lb_cpu"].append(t.cpu * 1000 / n)
                rows["lb_ok"].append(body["ok"])
            log(f"N={n} run {i + 1}/{runs} {what}: {rows[what][-1]:.2f}s")
    out = {k: med(v) for k, v in rows.items()}
    out.update(n=n, runs=runs, fd_budget=budget, fds_max=max(rows["status_fds"]), question=question,
               ok_min=min(rows["status_ok"]), probe_ok_min=min(rows["probe_ok"], default=0),
               lb_ok_min=min(rows["lb_ok"]),
               lat_dozor=spread(lat_dozor), lat_probe=spread(lat_probe))
    return out


def render(results: dict) -> str:
    mach = results["machine"]
    head = (f"dozor scale bench — {results['date']} — {mach['nproc']} CPUs, {mach['mem_gb']} GB, Python "
            f"{mach['python']}; load {' '.join(mach['loadavg_at_start'])} at start, "
            f"{' '.join(mach.get('loadavg_at_end', []))} at end; medians of {results['args']['runs']} runs")
    q = results.get("question", "status")
    lines = [head, "",
             f"| N | {q} s | probe s | {q}/probe | LB s | {q}/LB | CPU ms/h | probe CPU ms/h | LB CPU ms/h "
             "| RSS MB | probe RSS MB | peak fds | fd budget | host latency p50/p90/max s | probe p50/p90/max s "
             "| hosts ok (status/probe/LB) |",
             "|" + "---|" * 16]
    for r in results["sizes"].values():
        ld, lp = r["lat_dozor"], r["lat_probe"]
        probe = r["probe"] == r["probe"]  # not NaN: the probe ran (status only)
        lines.append(
            f"| {r['n']} | {r['status']:.2f} | {_f(r['probe'], 2)} | {_f(r['status'] / r['probe'], 2)} "
            f"| {r['lb']:.2f} | {r['status'] / r['lb']:.2f} | {r['status_cpu']:.1f} | {_f(r['probe_cpu'], 1)} "
            f"| {r['lb_cpu']:.1f} | {r['status_rss']:.0f} | {_f(r['probe_rss'], 0)} | {r['fds_max']} "
            f"| {r['fd_budget']} "
            f"| {ld[0]:.2f} / {ld[1]:.2f} / {ld[2]:.2f} "
            + (f"| {lp[0]:.2f} / {lp[1]:.2f} / {lp[2]:.2f} " if probe else "| - ")
            + f"| {r['ok_min']}/{r['probe_ok_min'] if probe else '-'}/{r['lb_ok_min']} of {r['n']} |")
    for n, why in results.get("skipped", {}).items():
        lines.append(f"\nN={n} not run: {why}")
    return "\n".join(lines)


def _f(x: float, digits: int) -> str:
    return "-" if x != x else f"{x:.{digits}f}"


def append_results(results: dict, text: str) -> None:
    note = f"\n{results['note']}\n" if results.get("note") else ""
    q = results.get("question", "status")
    block = (f"\n## Scale: cold {q} at N={','.join(results['sizes'])} ({results['date']}, bench/scale.py)\n"
             f"{note}\nCommand: `{results['command']}`; {results['elapsed']:.0f} s in all (set-up included).\n\n"
             f"{text}\n\n"
             "status: `dozor --json status` as shipped (new process and connections; Engine API over SSH; the "
             "inventory's default concurrency of 50 hosts at once). probe: bench/engine_api.py, the same question "
             "through the Engine API with no lookup or parsing, all hosts at once (the floor of dozor's path). LB: "
             "bench/lower_bound.py, the CLI path's commands, all hosts at once. CPU ms/h: user+sys of the process "
             "per host. peak fds: most descriptors the dozor process held (sampled every 20 ms from /proc); fd "
             "budget: what dozor.transport.fdlimit asks RLIMIT_NOFILE for. Host latency: dozor's per-host "
             "`duration` (from the host's turn, connect included) and the probe's connect + question.\n")
    RESULTS.write_text(RESULTS.read_text().rstrip("\n") + "\n" + block)


def machine() -> dict:
    mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    return {"nproc": os.cpu_count(), "mem_gb": round(int(mem) / 1024 / 1024, 1), "python": sys.version.split()[0],
            "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="200,500", help="Comma-separated host counts.")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--dir", default="/tmp/dzb-scale")
    p.add_argument("--subnet", default="127.1.", help="Loopback prefix: /16 (two dots) for more than 250 hosts.")
    p.add_argument("--budget-min", type=float, default=12.0, help="Stop before a size that would pass this.")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--note", default="")
    p.add_argument("--question", choices=("status", "diagnose"), default="status",
                   help="What dozor is asked (the probe answers status only).")
    args = p.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    d = Path(args.dir)
    if d.resolve() == Path("/tmp/dzf"):
        raise SystemExit("refusing to use the test fleet's directory")
    benv.SUBNET = args.subnet
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(m.ROOT / "dozor")], check=True,
                   stdout=subprocess.DEVNULL)
    skipped: dict[str, str] = {}
    free = mem_available_mb()
    fits = [n for n in sizes if n * MB_PER_CONNECTED_HOST + 1024 <= free]
    for n in sorted(set(sizes) - set(fits)):
        skipped[str(n)] = (f"{free} MB of memory available, {n} hosts asked at once need about "
                           f"{n * MB_PER_CONNECTED_HOST + 1024} MB")
    results: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
                     "args": vars(args), "sizes": {}, "note": args.note, "question": args.question,
                     "command": shlex.join(["python", "-m", "bench.scale", *sys.argv[1:]])}
    started = time.monotonic()
    env = None
    try:
        if fits:
            log(f"bringing up {max(fits)} hosts under {d} ({args.subnet}x.y); {free} MB available")
            env = benv.up(d, max(fits), fits, log=log)
            for n in fits:
                spent = (time.monotonic() - started) / 60
                done = list(results["sizes"].values())
                if done:  # the next size costs about the last one's runs, scaled by the host count
                    last = done[-1]
                    per_run = last["status"] + (last["probe"] if last["probe"] == last["probe"] else 0) + last["lb"]
                    guess = per_run * (args.runs + 1) * n / last["n"] / 60
                    if spent + guess > args.budget_min:
                        skipped[str(n)] = f"about {guess:.1f} min more would pass the {args.budget_min:g}-min budget"
                        continue
                results["sizes"][str(n)] = measure(env, n, args.runs, args.question)
    except KeyboardInterrupt:
        log("interrupted: tearing down")
        raise
    finally:
        if env is not None and not args.keep:
            log("tearing down")
            benv.down(d)
    results["skipped"] = skipped
    results["machine"]["loadavg_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    results["elapsed"] = time.monotonic() - started
    text = render(results)
    print(text)
    if not args.no_write and results["sizes"]:
        append_results(results, text)


if __name__ == "__main__":
    main()
