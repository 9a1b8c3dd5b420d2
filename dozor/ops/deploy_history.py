"""Past deploys as the host keeps them: the newest deploy state files, read in one command.

The deploy scripts (:mod:`dozor.ops.deploy_scripts`) keep ``<id>.json`` per deploy in the private state
directory; ids start with the UTC start time, so sorting them by name sorts them by time. This reads the
newest ``limit`` of them (no logs) for the timeline; :func:`dozor.ops.deploy.read_deploys` stays the
way to follow one deploy.
"""

from __future__ import annotations

import secrets

from dozor.collectors.base import first_line
from dozor.ops.action import ActionFailed
from dozor.ops.deploy import DeployState, parse_deploys
from dozor.ops.deploy_scripts import _BASE
from dozor.runner.fanout import HostContext

DEFAULT_HISTORY = 50

# sh -c HISTORY dozor-deploy-history MARKER LIMIT — the same sections as the status script, logs left out.
HISTORY = (
    _BASE
    + r"""m=$1; n=$2
[ -d "$base" ] || exit 0
ls -1 "$base" | grep -E '^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}\.json$' | sort | tail -n "$n" | while read -r f; do
  id=${f%.json}
  pid=$(cat "$base/$id.pid" 2>/dev/null); alive=0
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then alive=1; fi
  printf '%s state %s\n' "$m" "$id"
  cat "$base/$f" 2>/dev/null
  printf '\n%s alive\n%s\n%s end\n' "$m" "$alive" "$m"
done
"""
)


async def read_deploy_history(ctx: HostContext, limit: int = DEFAULT_HISTORY) -> list[DeployState]:
    """The newest ``limit`` deploys kept on the host, oldest first (status, step, start and end times)."""
    marker = "@@dozor-" + secrets.token_hex(8)
    n = max(1, min(int(limit), 1000))
    result = await ctx.run(["sh", "-c", HISTORY, "dozor-deploy-history", marker, str(n)])
    if not result.ok:
        raise ActionFailed(f"cannot read deploy history (exit {result.exit_status}): {first_line(result.stderr)}")
    return parse_deploys(result.stdout, marker)


__all__ = ["DEFAULT_HISTORY", "HISTORY", "read_deploy_history"]
