"""dozor's fleet benchmark: cold/warm dozor vs the asyncssh lower bound, OpenSSH xargs and Ansible.

``python -m bench.run [--sizes 1,10,50] [--runs 5]`` (or ``bash bench/run.sh``) brings up ONE Docker
engine and N sshd hosts under ``--dir`` (default /tmp/dzb), measures, prints one table, writes
``bench/results/latest.json`` and ``bench/RESULTS.md``, and tears everything down (also on Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import env as benv
from bench import measure as m
from bench.report import render, targets, write_outputs

LATEST = Path(__file__).resolve().parent / "results" / "latest.json"


def med(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def _log_bytes(report_json: str) -> list[int]:
    """Bytes of log a diagnosis read on each answering host (``--json`` report: hosts[].logs[].bytes_read)."""
    try:
        hosts = [h for h in json.loads(report_json).get("hosts", []) if h.get("logs") is not None]
    except ValueError:
        return []
    return [sum(lg.get("bytes_read") or 0 for lg in h.get("logs") or []) for h in hosts]


def log_bytes_per_host(report_json: str) -> float:
    """Mean bytes of log a diagnosis read per answering host."""
    per_host = _log_bytes(report_json)
    return sum(per_host) / len(per_host) if per_host else float("nan")


def log_bytes_max(report_json: str) -> float:
    """The most bytes of log one host's diagnosis read (a host that fell back to the CLI path reads fewer)."""
    return max(_log_bytes(report_json), default=float("nan"))


def alerts_incidents(report_json: str) -> tuple[int, int] | None:
    """(alerts, incidents) of a ``--json`` diagnosis report; None when it is not one."""
    try:
        rep = json.loads(report_json)
        return len(rep["alerts"]), len(rep["incidents"])
    except (ValueError, KeyError, TypeError):
        return None


def ai_text(env: benv.BenchEnv, n: int) -> dict:
    """Size of ``dozor diagnose --ai`` (the bounded text meant for an LLM) on ``n`` hosts; tokens ~ chars / 4."""
    argv = [m.DOZOR, "--inventory", str(env.inventory(n)), "--no-progress", "diagnose", "--ai"]
    r = m.timed(argv, env=m._clean_env())
    if r.rc not in (0, 1, 2) or not r.stdout:
        return {"error": f"exit {r.rc}: {r.stderr.strip()[-800:]}"}
    return {"chars": len(r.stdout), "bytes": len(r.stdout.encode()), "lines": r.stdout.count("\n"),
            "tokens_est": round(len(r.stdout) / 4), "exit": r.rc, "head": r.stdout[:600]}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def same_everywhere(commands: dict[str, list[str]]) -> list[str]:
    """The command list every host got (hosts share one engine, so it must be the same list)."""
    lists = {tuple(sorted(v)) for v in commands.values()}
    if len(lists) != 1:
        log(f"WARNING: hosts got different command lists ({len(lists)} variants)")
    return sorted(next(iter(commands.values())))


def measure_size(env: benv.BenchEnv, n: int, args: argparse.Namespace, shown: dict) -> dict:
    """Everything measured on the first ``n`` hosts."""
    log(f"N={n}: capturing what dozor sends (status, diagnose; Engine API path and CLI path)")
    cap_status = m.capture(env, n, "status")
    cap_diag = m.capture(env, n, "diagnose")
    cap_status_cli = m.capture(env, n, "status", cli=True)
    cap_diag_cli = m.capture(env, n, "diagnose", cli=True)
    # The competitors answer the question with remote commands: they replay the CLI path's commands.
    status_cmds = same_everywhere(cap_status_cli["commands"])
    diag_cmds = same_everywhere(cap_diag_cli["commands"])
    for name, cmds in (("status", status_cmds), ("diagnose", diag_cmds),
                       ("status (Engine API path)", same_everywhere(cap_status["commands"])),
                       ("diagnose (Engine API path)", same_everywhere(cap_diag["commands"]))):
        if shown.get(name) != cmds:
            shown[name] = cmds
            what = ("replayed verbatim by the lower bound, xargs and Ansible" if "API" not in name
                    else "plus streams to the Docker socket, no other remote process")
            print(f"\n# remote commands of `dozor {name}` (per host, N={n}) — {what}:")
            for c in cmds:
                print("  " + c.replace("\n", "\n  "))
    plan_status = m.write_plan(env, n, cap_status_cli["commands"], "status")
    plan_diag = m.write_plan(env, n, cap_diag_cli["commands"], "diagnose")
    stats, stats_cli = cap_diag["stats"], cap_diag_cli["stats"]
    row: dict = {
        "n": n,
        "answered_capture": cap_diag["answered"],
        "connects_per_host": max(s["connects"] for s in stats.values()),
        "channels_per_host": max(s["channels"] for s in stats.values()),
        "streams_per_host": max(s.get("streams", 0) for s in stats.values()),
        "channels_per_host_cli": max(s["channels"] for s in stats_cli.values()),
        "commands_status": len(status_cmds),
        "commands_diagnose": len(diag_cmds),
        # Hosts whose Engine API diagnosis ran the CLI's log script: the engine answered something non-2xx
        # (on this shared engine, /system/df's 409 "a disk usage operation is already running") and dozor
        # used the CLI on that host for the rest of the run.
        "cli_fallback_hosts": sum(any("dozor-tails" in c for c in v) for v in cap_diag["commands"].values()),
    }
    series: dict[str, list[float]] = {
        k: []
        for k in (
            "status",
            "diagnose",
            "status_cli",
            "diagnose_cli",
            "lb_status",
            "api_status",
            "lb_diagnose",
            "lb_diagnose_inproc",
            "xargs",
            "ansible",
            "rss_mb",
            "cpu_ms_per_host",
            "cpu_ms_per_host_cli",
            "lb_cpu_ms_per_host",
            "ansible_cpu_ms_per_host",
            "xargs_cpu_ms_per_host",
            "log_bytes_per_host",
            "log_bytes_per_host_cli",
            "log_bytes_max",
        )
    }
    do_ansible = not args.skip_ansible and m.ansible_available() and n <= args.ansible_max
    for r in range(args.runs):
        log(f"N={n}: run {r + 1}/{args.runs}")
        s = m.dozor_cli(env, n, "status")
        if s.rc != 0:
            raise RuntimeError(f"dozor status exited {s.rc}: {s.stderr[-1500:]}")
        series["status"].append(s.wall)
        d = m.dozor_cli(env, n, "diagnose")
        if d.rc not in (0, 1, 2):
            raise RuntimeError(f"dozor diagnose exited {d.rc}: {d.stderr[-1500:]}")
        series["diagnose"].append(d.wall)
        series["rss_mb"].append(d.rss_mb)
        series["cpu_ms_per_host"].append(1000 * d.cpu / n)
        series["log_bytes_per_host"].append(log_bytes_per_host(d.stdout))
        series["log_bytes_max"].append(log_bytes_max(d.stdout))
        sc = m.dozor_cli(env, n, "status", cli=True)
        if sc.rc != 0:
            raise RuntimeError(f"dozor status (CLI path) exited {sc.rc}: {sc.stderr[-1500:]}")
        series["status_cli"].append(sc.wall)
        dc = m.dozor_cli(env, n, "diagnose", cli=True)
        if dc.rc not in (0, 1, 2):
            raise RuntimeError(f"dozor diagnose (CLI path) exited {dc.rc}: {dc.stderr[-1500:]}")
        series["diagnose_cli"].append(dc.wall)
        series["cpu_ms_per_host_cli"].append(1000 * dc.cpu / n)
        series["log_bytes_per_host_cli"].append(log_bytes_per_host(dc.stdout))
        row["alerts_incidents"], row["alerts_incidents_cli"] = alerts_incidents(d.stdout), alerts_incidents(dc.stdout)
        log(f"N={n}: cold diagnose read {series['log_bytes_per_host'][-1]:.0f} B of logs per host (Engine API), "
            f"{series['log_bytes_per_host_cli'][-1]:.0f} B (CLI path, filtered on the host)")
        lb = m.lower_bound(plan_status)
        series["lb_status"].append(lb.wall)
        api = m.engine_api(plan_status, env.sock)
        if api.rc == 0 and json.loads(api.stdout)["ok"] == n:
            series["api_status"].append(api.wall)
        lb = m.lower_bound(plan_diag)
        info = json.loads(lb.stdout)
        if info["ok"] != n:
            raise RuntimeError(f"lower bound: {n - info['ok']} hosts failed: {info['errors']}")
        series["lb_diagnose"].append(lb.wall)
        series["lb_cpu_ms_per_host"].append(1000 * lb.cpu / n)
        series["lb_diagnose_inproc"].append(info["wall"])
        x = m.openssh_xargs(env, n, cap_diag_cli["commands"])
        if x.rc != 0:
            raise RuntimeError(f"xargs ssh exited {x.rc}: {x.stderr[-1500:]}")
        series["xargs"].append(x.wall)
        if failed := x.stderr.count("@@remote-exit"):
            log(f"N={n}: xargs: {failed} remote commands exited non-zero (a shared-engine conflict is one: "
                f"{'yes' if 'operation is already running' in x.stderr else 'no'})")
        series["xargs_cpu_ms_per_host"].append(1000 * x.cpu / n)
        if do_ansible and r < args.ansible_runs:
            wall, cpu, failed = m.ansible_adhoc(env, n, diag_cmds)
            if failed:
                log(f"Ansible: {failed} hosts' command exited non-zero in one command (see xargs)")
            series["ansible"].append(wall)
            series["ansible_cpu_ms_per_host"].append(1000 * cpu / n)
    row.update({k: med(v) for k, v in series.items()})
    row["ai_text"] = ai_text(env, n)
    log(f"N={n}: alerts/incidents {row['alerts_incidents']} (Engine API), {row['alerts_incidents_cli']} (CLI path); "
        f"diagnose --ai {row['ai_text'].get('chars', row['ai_text'].get('error'))} chars")
    row["samples"] = series
    lbw = m.timed([m.PY, "-m", "bench.lower_bound", str(plan_status), str(args.warm_calls)], env=m._clean_env())
    if lbw.rc == 0:
        row["lb_warm_status"] = med(json.loads(lbw.stdout)["warm_rounds"])
    apiw = m.timed(
        [m.PY, "-m", "bench.engine_api", str(plan_status), str(env.sock), str(args.warm_calls)], env=m._clean_env()
    )
    if apiw.rc == 0:
        row["api_warm_status"] = json.loads(apiw.stdout)["warm"]
    log(f"N={n}: warm calls ({args.warm_calls} server_status calls in one MCP session)")
    w = m.timed([m.PY, "-m", "bench.warm", str(env.inventory(n)), str(args.warm_calls)], env=m._clean_env())
    if w.rc == 0:
        warm = json.loads(w.stdout)
        row["warm_fleet"] = med(warm["fleet"]["times"][1:])
        if "mcp" in warm:
            row["warm_mcp_first"] = warm["mcp"]["times"][0]
            row["warm_mcp"] = med(warm["mcp"]["times"][1:])
            row["warm_mcp_connects_per_host"] = warm["mcp"]["connects"] / n
            row["warm_label"] = "MCP session (in-memory mcp.Client on build_server)"
        else:
            row["warm_label"] = f"warm Fleet.status() loop (MCP unavailable: {warm.get('mcp_error')})"
    else:
        row["warm_error"] = w.stderr[-800:]
    return row


def startup(runs: int) -> dict:
    out = {}
    for flag in ("--help", "--version"):
        walls = [m.timed([m.DOZOR, flag]).wall for _ in range(runs)]
        out[flag] = med(walls)
    return out


def log_bytes(env: benv.BenchEnv) -> dict:
    """Bytes received over SSH for the chatty service's 20k-line, 1 %-error log (one host)."""
    common = ["--service", "chatty", "--lines", str(benv.CHATTY_LINES)]
    full = m.capture(env, 1, "logs", *common, "--max-bytes", str(16 * 1024 * 1024))
    capped = m.capture(env, 1, "logs", *common)
    errors = m.capture(env, 1, "logs", *common, "--errors")
    b = {
        k: sum(v["bytes"].values())
        for k, v in (("unfiltered", full), ("unfiltered_default_cap", capped), ("errors_only", errors))
    }
    b["ratio"] = b["unfiltered"] / max(b["errors_only"], 1)
    b["ratio_default_cap"] = b["unfiltered_default_cap"] / max(b["errors_only"], 1)
    return b


def analysis(lines: int) -> dict:
    r = m.timed([m.PY, "-m", "bench.log_throughput", str(lines)])
    if r.rc != 0:
        return {"error": (r.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(r.stdout)


def machine() -> dict:
    mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    load = Path("/proc/loadavg").read_text().split()[:3]
    return {
        "nproc": int(subprocess.run(["nproc"], capture_output=True, text=True).stdout),
        "mem_gb": round(int(mem) / 1024 / 1024, 1),
        "kernel": subprocess.run(["uname", "-r"], capture_output=True, text=True).stdout.strip(),
        "python": sys.version.split()[0],
        "loadavg_at_start": load,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sizes", default="1,10,50", help="Comma-separated host counts (up to 250).")
    p.add_argument("--runs", type=int, default=5, help="Runs per measurement (median reported).")
    p.add_argument("--ansible-runs", type=int, default=3, help="Ansible runs per size (it is slow).")
    p.add_argument("--warm-calls", type=int, default=6, help="server_status calls in the warm MCP session.")
    p.add_argument("--log-lines", type=int, default=300_000, help="Lines for the analysis throughput test.")
    p.add_argument("--dir", default="/tmp/dzb", help="Bench directory (never the test fleet's).")
    p.add_argument("--skip-ansible", action="store_true")
    p.add_argument("--ansible-max", type=int, default=50, help="Largest size Ansible runs at (it is slow).")
    p.add_argument("--keep", action="store_true", help="Leave the environment running at the end.")
    p.add_argument("--no-write", action="store_true", help="Do not write RESULTS.md / latest.json.")
    p.add_argument("--note", default="", help="A sentence written under the run's heading in RESULTS.md.")
    p.add_argument(
        "--merge", action="store_true", help="Add these sizes to bench/results/latest.json instead of replacing it."
    )
    args = p.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    d = Path(args.dir)
    if d.resolve() == Path("/tmp/dzf"):
        raise SystemExit("refusing to use the test fleet's directory")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    # Measure dozor as installed: byte-compiled. With PYTHONDONTWRITEBYTECODE set (as on these machines) a
    # module edited since its last .pyc would be compiled again by every cold process.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(__file__).resolve().parents[1] / "dozor")],
                   check=True, stdout=subprocess.DEVNULL)
    if not args.skip_ansible:
        m.ensure_ansible(log)
    results: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "args": vars(args),
        "sizes": {},
    }
    started = time.monotonic()
    env = None
    try:
        env = benv.up(d, max(sizes), sizes, log=log)
        shown: dict = {}
        for n in sizes:
            results["sizes"][str(n)] = measure_size(env, n, args, shown)
        results["commands"] = shown
        log("log bytes: logs vs logs -e on the 20k-line, 1 %-error service")
        results["log_bytes"] = log_bytes(env)
    except KeyboardInterrupt:
        log("interrupted: tearing down")
        raise
    finally:
        if env is not None and not args.keep:
            log("tearing down the bench environment")
            benv.down(d)
    log("CLI start-up and analysis throughput")
    results["startup"] = startup(args.runs)
    results["analysis"] = analysis(args.log_lines)
    results["machine"]["loadavg_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    results["elapsed"] = time.monotonic() - started
    if args.merge and LATEST.exists():
        previous = json.loads(LATEST.read_text())
        sizes_done = {**previous.get("sizes", {}), **results["sizes"]}
        results = {**previous, **{k: v for k, v in results.items() if k != "sizes"}, "sizes": sizes_done}
        results["commands"] = {**previous.get("commands", {}), **results.get("commands", {})}
        results.setdefault("log_bytes", previous.get("log_bytes"))
        results["merged_from"] = previous["date"]
        results["note"] = args.note or previous.get("note", "")
    else:
        results["note"] = args.note
    results["targets"] = targets(results)
    text = render(results)
    print(text)
    if not args.no_write:
        write_outputs(results, text)


if __name__ == "__main__":
    main()
