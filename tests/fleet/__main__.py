"""``python -m tests.fleet up|down|status|env [--dir D]`` (run from the repository root, as root)."""

from __future__ import annotations

import argparse
import json
import sys
import time

from tests.fleet.fleet import DEFAULT_DIR, FleetError, down, load_info, status, up


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fleet", description="dozor's real test fleet")
    ap.add_argument("command", choices=["up", "down", "status", "info"])
    ap.add_argument("--dir", default=str(DEFAULT_DIR), help=f"fleet directory (default {DEFAULT_DIR})")
    args = ap.parse_args(argv)
    try:
        if args.command == "up":
            t = time.monotonic()
            fi = up(args.dir)
            print(f"fleet up in {time.monotonic() - t:.1f}s: inventory {fi.inventory}", file=sys.stderr)
            print(fi.to_json())
        elif args.command == "down":
            t = time.monotonic()
            down(args.dir)
            print(f"fleet down in {time.monotonic() - t:.1f}s", file=sys.stderr)
        elif args.command == "status":
            st = status(args.dir)
            print(json.dumps(st, indent=2))
            return 0 if st.get("running") and not st.get("scenario_problems") else 1
        else:
            print(load_info(args.dir).to_json())
    except FleetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
