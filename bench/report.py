"""The bench's one table, the target verdicts, and the files it writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def _f(x: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if x is None else fmt.format(x)


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def _at(results: dict, n: int) -> dict | None:
    """The row for ``n`` hosts, else the largest size below it."""
    rows = {int(k): v for k, v in results["sizes"].items()}
    below = [k for k in rows if k <= n]
    return rows[max(below)] if below else None


def targets(results: dict) -> list[dict]:
    """Each target of issue 7 with its measured figure and a verdict."""
    out = []

    def add(name: str, figure: str, ok: bool | None, where: str = "") -> None:
        out.append({"target": name, "measured": figure, "met": ok, "where": where})

    r50 = _at(results, 50)
    if r50:
        n = r50["n"]
        lb = _ratio(r50["diagnose"], r50["lb_diagnose"])
        cli = _ratio(r50.get("diagnose_cli"), r50["lb_diagnose"])
        add("cold diagnose <= 1.15x lower bound", f"{_f(lb)}x (CLI path alone: {_f(cli)}x)",
            lb is not None and lb <= 1.15, f"N={n}")
        an = _ratio(r50.get("ansible"), r50["diagnose"])
        add("cold diagnose >= 5x faster than Ansible", f"{_f(an)}x", None if an is None else an >= 5, f"N={n}")
        warm = r50.get("warm_mcp", r50.get("warm_fleet"))
        wr = _ratio(warm, r50["status"])
        add("warm server_status <= 0.25x cold status", f"{_f(wr)}x", wr is not None and wr <= 0.25, f"N={n}")
        add(
            "cold diagnose <= 0.6x lower bound, every running service's log read",
            f"{_f(lb)}x, {_f(r50.get('log_bytes_per_host'), '{:.0f}')} B of log per host",
            lb is not None and lb <= 0.6,
            f"N={n}",
        )
        add("<= 1 connection per host per diagnosis", str(r50["connects_per_host"]), r50["connects_per_host"] <= 1)
        add("<= 4 exec channels per host per diagnosis",
            f"{r50['channels_per_host']} (+ {r50.get('streams_per_host', 0)} Docker-socket streams)",
            r50["channels_per_host"] <= 4)
    r200 = _at(results, 200)
    if r200:
        tag = f"N={r200['n']}" + ("" if r200["n"] == 200 else " (N=200 not run)")
        add("controller RSS <= 150 MB", f"{_f(r200['rss_mb'], '{:.0f}')} MB", r200["rss_mb"] <= 150, tag)
        add(
            "<= 15 ms client CPU per host",
            f"{_f(r200['cpu_ms_per_host'], '{:.1f}')} ms",
            r200["cpu_ms_per_host"] <= 15,
            tag,
        )
    if r50:
        dr = _ratio(r50["diagnose"], r50["lb_diagnose"])
        sr = _ratio(r50["status"], r50["lb_status"])
        add(
            "stretch: beat the lower bound (<= 0.8x)",
            f"diagnose {_f(dr)}x, status {_f(sr)}x LB",
            dr is not None and dr <= 0.8,
            f"N={r50['n']}",
        )
    st = results.get("startup", {})
    if st:
        add("`dozor --help` <= 0.3 s", f"{_f(st['--help'], '{:.3f}')} s", st["--help"] <= 0.3)
    an = results.get("analysis", {})
    if "lines_per_s" in an:
        add("analysis >= 300k lines/s", f"{an['lines_per_s'] / 1000:.0f}k lines/s", an["lines_per_s"] >= 300_000)
    else:
        add("analysis >= 300k lines/s", f"not measured: {an.get('error', '?')}", None)
    lb_ = results.get("log_bytes")
    if lb_:
        add(
            "logs -e >= 10x fewer bytes",
            f"{lb_['ratio']:.0f}x ({lb_['ratio_default_cap']:.0f}x at the 1 MB cap)",
            lb_["ratio"] >= 10,
        )
    return out


def render(results: dict) -> str:
    """One table (seconds, medians) plus the extra figures and the target verdicts."""
    head = [
        "N",
        "status",
        "diagnose",
        "LB diag",
        "diag/LB",
        "CLI-path diag",
        "CLI/LB",
        "xargs",
        "Ansible",
        "Ansible/diag",
        "warm",
        "warm/cold",
        "LB warm",
        "conn/h",
        "exec/h",
        "streams/h",
        "RSS MB",
        "CPU ms/h",
        "LB CPU ms/h",
        "LB status",
        "status/LB",
        "probe status",
        "probe/LB",
        "log B/h",
        "CLI log B/h",
    ]
    rows = []
    for k in sorted(results["sizes"], key=int):
        r = results["sizes"][k]
        warm = r.get("warm_mcp", r.get("warm_fleet"))
        rows.append(
            [
                str(r["n"]),
                _f(r["status"]),
                _f(r["diagnose"]),
                _f(r["lb_diagnose"]),
                _f(_ratio(r["diagnose"], r["lb_diagnose"])),
                _f(r.get("diagnose_cli")),
                _f(_ratio(r.get("diagnose_cli"), r["lb_diagnose"])),
                _f(r["xargs"]),
                _f(r.get("ansible")),
                _f(_ratio(r.get("ansible"), r["diagnose"]), "{:.1f}"),
                _f(warm, "{:.3f}"),
                _f(_ratio(warm, r["status"])),
                _f(r.get("lb_warm_status"), "{:.3f}"),
                str(r["connects_per_host"]),
                str(r["channels_per_host"]),
                str(r.get("streams_per_host", "-")),
                _f(r["rss_mb"], "{:.0f}"),
                _f(r["cpu_ms_per_host"], "{:.1f}"),
                _f(r.get("lb_cpu_ms_per_host"), "{:.1f}"),
                _f(r["lb_status"]),
                _f(_ratio(r["status"], r["lb_status"])),
                _f(r.get("api_status")),
                _f(_ratio(r.get("api_status"), r["lb_status"])),
                _f(r.get("log_bytes_per_host"), "{:.0f}"),
                _f(r.get("log_bytes_per_host_cli"), "{:.0f}"),
            ]
        )
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    mach = results["machine"]
    first = results["sizes"][sorted(results["sizes"], key=int)[0]]
    out = [
        f"dozor bench — {results['date']} — {mach['nproc']} CPUs, {mach['mem_gb']} GB, kernel {mach['kernel']}, "
        f"Python {mach['python']}; load {' '.join(mach['loadavg_at_start'])} at start, "
        f"{' '.join(mach.get('loadavg_at_end', ['?']))} at end; medians of "
        + ", ".join(
            f"{len(r['samples']['status'])} runs at N={k} (Ansible {len(r['samples']['ansible']) or 'not run'})"
            for k, r in sorted(results["sizes"].items(), key=lambda kv: int(kv[0]))
        )
        + (f"; sizes merged with the run of {results['merged_from']}" if results.get("merged_from") else ""),
        "",
        *lines,
        "",
        "Seconds, wall, new process each time. status/diagnose: `dozor --json status|diagnose` as shipped "
        "(cold: new process, new connections; container status and stats through the Docker Engine API over the "
        "SSH connection). CLI-path diag: the same with `engine_api = false` (every answer from remote commands). "
        "LB: bench/lower_bound.py (new process; one asyncssh connection per host, all hosts at once, the CLI "
        "path's exact command strings: what answering with remote commands costs at the least). "
        "xargs: `xargs -P 50 ssh` one connection per host and command. "
        "Ansible: `ansible all -m shell -f 50` per command, pipelining + ControlPersist (masters stay warm "
        "between runs). warm: median of server_status calls 2..k — " + first.get("warm_label", "?") + "; "
        "warm/cold = warm / cold `dozor status`; LB warm: the lower bound's status commands again on its open "
        "connections (the floor for any warm call that execs remote processes). "
        "conn/h, exec/h, streams/h: connections, exec channels and Docker-socket streams per host per "
        "diagnosis (TransportPool.stats()). RSS / CPU: peak RSS and user+sys CPU per host of the cold diagnose "
        "process. probe status: bench/engine_api.py, a minimal client asking the status question through the "
        "Engine API (no lookup, no parsing): the floor of dozor's own path.",
        "",
    ]
    st = results.get("startup", {})
    if st:
        out.append(
            f"CLI start-up: `dozor --help` {_f(st['--help'], '{:.3f}')} s, "
            f"`dozor --version` {_f(st['--version'], '{:.3f}')} s"
        )
    an = results.get("analysis", {})
    if "lines_per_s" in an:
        out.append(
            f"Log analysis: {an['lines_per_s']:,.0f} lines/s on one core ({an['lines']:,} lines, "
            f"{an['matched']:,} matched; {an['path']})"
        )
    else:
        out.append(f"Log analysis: not measured ({an.get('error', '?')})")
    lb_ = results.get("log_bytes")
    if lb_:
        out.append(
            f"Log bytes over SSH, 20k-line log with 1 % errors: unfiltered {lb_['unfiltered']:,} B, "
            f"`logs -e` {lb_['errors_only']:,} B → {lb_['ratio']:.0f}x fewer (vs the default 1 MB cap: "
            f"{lb_['unfiltered_default_cap']:,} B, {lb_['ratio_default_cap']:.0f}x)"
        )
    out += ["", *content_table(results)]
    out += ["", "| target | measured | met |", "|---|---|---|"]
    for t in results.get("targets", []):
        verdict = {True: "yes", False: "**NO**", None: "n/a"}[t["met"]]
        where = f" ({t['where']})" if t["where"] else ""
        out.append(f"| {t['target']} | {t['measured']}{where} | {verdict} |")
    return "\n".join(out) + "\n"


def _ai(r: dict) -> tuple[str, str]:
    ai = r.get("ai_text") or {}
    if "chars" in ai:
        return f"{ai['chars']:,}", f"~{ai['tokens_est']:,}"
    return ("failed" if "error" in ai else "-"), "-"


def _ai_pair(x: list | tuple | None) -> str:
    return "-" if not x else f"{x[0]} → {x[1]}"


def content_table(results: dict) -> list[str]:
    """What one cold diagnosis read and said, per size: connections, log bytes, alerts → incidents, AI text."""
    lines = [
        "| N | conn/h | exec/h | streams/h | hosts on CLI fallback | log B/h (Engine API): mean, max | "
        "log B/h (CLI path) | alerts → incidents (Engine API) | alerts → incidents (CLI path) | "
        "`diagnose --ai` chars | tokens (chars/4) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for k in sorted(results["sizes"], key=int):
        r = results["sizes"][k]
        chars, tokens = _ai(r)
        lines.append(
            f"| {r['n']} | {r['connects_per_host']} | {r['channels_per_host']} | {r.get('streams_per_host', '-')} | "
            f"{r.get('cli_fallback_hosts', '-')} of {r['n']} | {_f(r.get('log_bytes_per_host'), '{:,.0f}')}, "
            f"{_f(r.get('log_bytes_max'), '{:,.0f}')} | {_f(r.get('log_bytes_per_host_cli'), '{:,.0f}')} | "
            f"{_ai_pair(r.get('alerts_incidents'))} | {_ai_pair(r.get('alerts_incidents_cli'))} | {chars} | {tokens} |"
        )
    lines += [
        "",
        "Per cold diagnosis: connections, exec channels and Docker-socket streams per host (most on any host, "
        "in-process capture run); hosts on CLI fallback: hosts of that capture whose Engine API diagnosis read "
        "the logs with the CLI script because the engine answered non-2xx (here the shared engine's 409 "
        "\"a disk usage operation is already running\" on /system/df: Docker 20.10 runs one at a time, N hosts "
        "ask at once); bytes of container log received per answering host, median over the runs (report "
        "`hosts[].logs[].bytes_read`; the CLI path filters error lines on the host, the Engine API path "
        "receives the tails and filters here, max = a host that stayed on the Engine API); alerts and the "
        "incidents they are grouped into (last run); size of `dozor diagnose --ai` on the same hosts (one run).",
    ]
    return lines


EARLIER = "## Earlier runs"
_CMDS = "Remote commands dozor sent (per host)"


def _previous_latest(old: str) -> tuple[str, str, str]:
    """(date, table text, earlier-runs text) of an existing RESULTS.md; the remote-command lists are dropped."""
    head, _, earlier = old.partition("\n" + EARLIER + "\n")
    body: list[str] = []
    for line in head.splitlines():
        if _CMDS in line:
            break
        if not line.startswith(("# Bench results", "Written by `python -m bench.run`", "## Run of ")):
            body.append(line)
    text = "\n".join(body).strip()
    date = re.search(r"dozor bench — (\S+) —", text)
    return (date.group(1) if date else "?"), text, earlier.strip()


def write_outputs(results: dict, text: str) -> None:
    """bench/results/latest.json (gitignored) and bench/RESULTS.md (committed): the latest run first, then the
    earlier runs' tables (the run before this one moves there unless this run was merged into it)."""
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    path = BENCH / "RESULTS.md"
    earlier = ""
    if path.exists():
        date, prev, earlier = _previous_latest(path.read_text())
        if prev and not results.get("merged_from"):
            earlier = f"### Run of {date}\n\n{prev}\n\n{earlier}".strip()
    cmds = results.get("commands", {})
    md = [
        "# Bench results",
        "",
        "Written by `python -m bench.run`; see bench/README.md. The latest run first; earlier runs' tables below.",
        "",
        f"## Run of {results['date']} (latest)",
        "",
    ]
    if results.get("note"):
        md += [results["note"], ""]
    md += [text]
    if cmds:
        md += ["", f"### {_CMDS}; the CLI path's are replayed by every competitor", ""]
        for op, lst in cmds.items():
            md += [f"`dozor {op}`:", "", "```", *lst, "```", ""]
    if earlier:
        md += ["", EARLIER, "", earlier, ""]
    path.write_text("\n".join(md))
