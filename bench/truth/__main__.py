"""``python -m bench.truth run|record|up|down|score|list`` (from the repository root, as root).

- ``run``: bring up the test fleet (``DOZOR_TESTFLEET_DIR``, default /tmp/dzf-truth) and the catalogue on it,
  wait until the faults show, run ``dozor --json diagnose`` and ``dozor diagnose --ai`` on its two hosts,
  score, print, append a dated block to bench/RESULTS.md, then remove the catalogue (``--keep`` leaves it);
  ``--record`` also writes the fixtures, ``--fleet-down`` stops the fleet at the end;
- ``record``: the running catalogue's logs and container state → tests/fixtures/truth/;
- ``up`` / ``down``: the catalogue alone (``down --fleet`` stops the fleet too);
- ``score``: the recorded fixtures replayed through dozor's analysis (no fleet), scored the same way;
- ``list``: the catalogue.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.truth import deploy, offline
from bench.truth.catalogue import CATALOGUE
from bench.truth.model import fixture_name
from bench.truth.score import Score, markdown, score, summary_lines, text_table
from tests.fleet import fleet as tf

BENCH = Path(__file__).resolve().parents[1]
DEFAULT_DIR = os.environ.get("DOZOR_TESTFLEET_DIR", "/tmp/dzf-truth")
RECORD_LINES = 200  # what the diagnosis reads (runner.tails.DEFAULT_LINES)
SECTION = "## Truth benchmark (bench/truth)"


def _hosts() -> str:
    return ",".join(sorted({sc.host for sc in CATALOGUE.scenarios}))


def _dozor(dep: deploy.Deployment, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "dozor", "--inventory", str(dep.inventory), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                          cwd=str(BENCH.parent))


def diagnose(dep: deploy.Deployment) -> tuple[dict, int, float]:
    """(the JSON report, AI-text tokens ≈ chars/4, seconds of the JSON diagnosis)."""
    t = time.monotonic()
    r = _dozor(dep, "--json", "--host", _hosts(), "diagnose")
    took = time.monotonic() - t
    try:
        report = json.loads(r.stdout)
    except json.JSONDecodeError as exc:
        raise SystemExit(f"dozor diagnose printed no JSON (exit {r.returncode}): {exc}; stdout starts "
                         f"{r.stdout[:300]!r}; stderr: {r.stderr.strip()[-800:]}") from exc
    ai = _dozor(dep, "--host", _hosts(), "diagnose", "--ai")
    return report, len(ai.stdout) // 4, took


def _sort_key(line: str) -> tuple[str, str]:
    stamp = line.split(" ", 1)[0]
    base, _, frac = stamp.rstrip("Z").partition(".")
    return base, frac.ljust(9, "0")


def record(dep: deploy.Deployment, root: Path = offline.FIXTURES) -> int:
    """Write every catalogue service's log and container state; returns the number of services recorded."""
    root.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).isoformat()
    n = 0
    for (host, project), services in CATALOGUE.projects().items():
        got = deploy.inspect(dep, host, [dep.container(project, s.name) for s in services])
        for s in services:
            sc = next(sc for sc in CATALOGUE.scenarios if s in sc.services)
            name = dep.container(project, s.name)
            c = got.get(name)
            if c is None:
                print(f"  {host} {name}: no container, not recorded", file=sys.stderr)
                continue
            r = dep.info.docker(host, "logs", "--timestamps", "--tail", str(RECORD_LINES), name, check=False)
            lines = sorted([x for x in (r.stdout + r.stderr).splitlines() if x], key=_sort_key)
            log_path, meta_path = offline.paths(sc, s, root)
            log_path.write_text("\n".join(lines) + ("\n" if lines else ""))
            meta = {
                "scenario": sc.id, "title": sc.title, "host": host, "project": project, "service": s.name,
                "role": s.role, "expected": " and ".join(e.describe() for e in s.expected) or "silence",
                "source": sc.source, "recorded_at": now, "inspect": offline.trim_inspect(c),
            }
            meta_path.write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
            n += 1
    names = {fixture_name(sc, s) for sc, s in CATALOGUE.services()}
    for stale in root.glob("*.json"):
        if stale.stem not in names:
            print(f"  stale fixture {stale.name} (no such catalogue service)", file=sys.stderr)
    return n


def append_results(block: str, path: Path = BENCH / "RESULTS.md") -> None:
    """Append the dated block under the truth section (created at the end of the file the first time)."""
    text = path.read_text() if path.exists() else ""
    if SECTION not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\nWritten by `python -m bench.truth run`; see bench/README.md.\n"
    path.write_text(text.rstrip("\n") + "\n\n" + block)


def _print(sc: Score, tokens: int | None, *, chains: bool = True) -> None:
    print("\n".join(text_table(sc)))
    print()
    print("\n".join(line for line in summary_lines(sc, tokens) if chains or "root-cause" not in line))
    for c in sc.chains if chains else []:
        print(f"chain {c.scenario}: {'ok' if c.correct else 'WRONG'} ({'; '.join(c.said)})")


def cmd_run(args: argparse.Namespace) -> int:
    print(f"fleet up in {args.dir} ...", file=sys.stderr)
    tf.up(args.dir)
    dep = deploy.deployment(args.dir)
    try:
        print("catalogue up (from scratch) ...", file=sys.stderr)
        deploy.down(dep, CATALOGUE)
        for note in deploy.up(dep, CATALOGUE):
            print(f"  {note}", file=sys.stderr)
        never = deploy.settle(dep, CATALOGUE, minimum=args.settle, log=lambda m: print(m, file=sys.stderr))
        if never:
            print(f"  never showed: {', '.join(never)}", file=sys.stderr)
        report, tokens, took = diagnose(dep)
        if args.record:
            print(f"recorded {record(dep)} services into {offline.FIXTURES}", file=sys.stderr)
        (BENCH / "results").mkdir(exist_ok=True)
        (BENCH / "results" / "truth-latest.json").write_text(json.dumps(report, indent=1))
        result = score(CATALOGUE, report)
        _print(result, tokens)
        print(f"diagnosis took {took:.1f}s")
        if not args.no_write:
            date = datetime.now(UTC).replace(microsecond=0).isoformat()
            faults = sum(sc.kind != "healthy" for sc in CATALOGUE.scenarios)
            note = (f"{faults} fault scenarios ({len(result.faults)} faulty services, {len(result.chains)} chains) "
                    f"and {len(result.healthy)} healthy services on the test fleet's {_hosts()}; "
                    f"`dozor --json diagnose` took {took:.1f} s. {args.note}").strip()
            append_results(markdown(result, date=date, tokens=tokens, note=note))
    finally:
        if not args.keep:
            deploy.down(dep, CATALOGUE)
            if args.fleet_down:
                tf.down(args.dir)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.truth", description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["run", "record", "up", "down", "score", "list"])
    ap.add_argument("--dir", default=DEFAULT_DIR, help=f"test fleet directory (default {DEFAULT_DIR})")
    ap.add_argument("--keep", action="store_true", help="run: leave the catalogue up")
    ap.add_argument("--record", action="store_true", help="run: also write the fixtures")
    ap.add_argument("--fleet-down", "--fleet", dest="fleet_down", action="store_true",
                    help="run/down: stop the test fleet too")
    ap.add_argument("--no-write", action="store_true", help="run: do not append to bench/RESULTS.md")
    ap.add_argument("--settle", type=float, default=deploy.SETTLE_MIN, help="run: minimum seconds to wait")
    ap.add_argument("--note", default="", help="run: a sentence for the RESULTS.md block")
    args = ap.parse_args(argv)
    problems = CATALOGUE.check()
    if problems:
        print("catalogue: " + "; ".join(problems), file=sys.stderr)
        return 2
    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "list":
            for sc in CATALOGUE.scenarios:
                print(f"{sc.id:30} {sc.kind:7} {sc.host:5} {sc.project:7} "
                      f"{','.join(s.name for s in sc.services):22} {sc.title}")
            return 0
        if args.command == "score":
            _print(score(CATALOGUE, offline.replay_all(CATALOGUE)), None, chains=False)
            print("(replayed per service: chains need a whole host and are scored by `run` only)")
            return 0
        dep = deploy.deployment(args.dir)
        if args.command == "up":
            tf.up(args.dir)
            for note in deploy.up(dep, CATALOGUE):
                print(f"  {note}", file=sys.stderr)
            deploy.settle(dep, CATALOGUE, minimum=args.settle, log=lambda m: print(m, file=sys.stderr))
        elif args.command == "record":
            print(f"recorded {record(dep)} services into {offline.FIXTURES}")
        elif args.command == "down":
            deploy.down(dep, CATALOGUE)
            if args.fleet_down:
                tf.down(args.dir)
    except tf.FleetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
