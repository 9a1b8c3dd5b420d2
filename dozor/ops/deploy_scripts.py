"""The constant POSIX sh scripts a deploy runs on the host. Data travels only as positional arguments.

State lives in a private (0700) directory: ``$HOME/.local/state/dozor/deploys`` (``/var/lib/dozor/deploys``
when there is no usable HOME). Per deploy: ``<id>.json`` (state), ``<id>.log``, ``<id>.pid``; per project:
``<project>.lock`` (flock) or ``<project>.lock.d`` (mkdir lock with the runner's pid), ``<project>.current``
(the running deploy's id) and ``<project>.latest`` (the newest deploy's id).
"""

from __future__ import annotations

# Pid and id files are read by concurrent starters and status calls: write whole or not at all.
_PUT = 'put() { printf "%s\\n" "$2" > "$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"; }\n'

_BASE = (
    'if [ -n "${HOME:-}" ] && [ "$HOME" != / ]; then root=$HOME/.local/state/dozor; '
    "else root=/var/lib/dozor; fi; base=$root/deploys\n"
)

# sh -c STARTER dozor-deploy RUNNER LOCKMODE ID PROJECT DIR GIT PULL BUILD VARIANT FILES [SERVICE...]
# Prints "@@started ID PID", "@@busy RUNNING_ID" (exit 3) or "@@error MESSAGE" (exit 1).
STARTER = (
    _BASE
    + _PUT
    + r"""runner=$1; lockmode=$2; shift 2
id=$1; project=$2
umask 077
mkdir -p "$base" 2>/dev/null || { echo "@@error cannot create $base"; exit 1; }
chmod 700 "$root" "$base" 2>/dev/null
if [ -L "$base" ] || [ ! -O "$base" ]; then echo "@@error $base is not a private directory of this user"; exit 1; fi
lock=$base/$project.lock
busy() { cur=$(cat "$base/$project.current" 2>/dev/null); echo "@@busy ${cur:-unknown}"; exit 3; }
if [ "$lockmode" = auto ] && command -v flock >/dev/null 2>&1; then
  mode=flock
  exec 9>>"$lock" || { echo "@@error cannot open $lock"; exit 1; }
  flock -n 9 || busy
else
  mode=mkdir
  if ! mkdir "$lock.d" 2>/dev/null; then
    pid=$(cat "$lock.d/pid" 2>/dev/null)
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      rm -rf "$lock.d"; mkdir "$lock.d" 2>/dev/null || busy
    elif [ -z "$pid" ] && [ -n "$(find "$lock.d" -maxdepth 0 -mmin +1 2>/dev/null)" ]; then
      rm -rf "$lock.d"; mkdir "$lock.d" 2>/dev/null || busy
    else
      busy
    fi
  fi
fi
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
put "$base/$project.current" "$id"
put "$base/$project.latest" "$id"
: > "$base/$id.log"
fmt='{"id":"%s","project":"%s","status":"running","exit_code":null,'
fmt=$fmt'"step":"queued","started_at":"%s","finished_at":null}\n'
printf "$fmt" "$id" "$project" "$started" > "$base/$id.json"
if command -v setsid >/dev/null 2>&1; then
  setsid nohup sh -c "$runner" dozor-deploy "$mode" "$base" "$started" "$@" </dev/null >>"$base/$id.log" 2>&1 &
else
  nohup sh -c "$runner" dozor-deploy "$mode" "$base" "$started" "$@" </dev/null >>"$base/$id.log" 2>&1 &
fi
pid=$!
put "$base/$id.pid" "$pid"
[ "$mode" = mkdir ] && put "$lock.d/pid" "$pid"
echo "@@started $id $pid"
"""
)

# Runs detached (own session, HUP ignored); stdout/stderr already go to the log.
RUNNER = (
    _PUT
    + r"""mode=$1 base=$2 started=$3 id=$4 project=$5 dir=$6 git=$7 pull=$8 build=$9
shift 9; variant=$1; files=$2; shift 2
trap '' HUP
umask 077
state=$base/$id.json
put "$base/$id.pid" $$
[ "$mode" = mkdir ] && put "$base/$project.lock.d/pid" $$
svcs=; for s in "$@"; do svcs="$svcs${svcs:+,}\"$s\""; done
fmt='{"id":"%s","project":"%s","path":"%s","status":"%s","exit_code":%s,"step":"%s",'
fmt=$fmt'"started_at":"%s","finished_at":%s,"pid":%s,"services":[%s],"git_pull":%s,"pull":%s,"build":%s}\n'
write() {
  printf "$fmt" \
    "$id" "$project" "$dir" "$1" "$2" "$3" "$started" "$4" "$$" "$svcs" "$git" "$pull" "$build" > "$state.tmp.$$" \
    && mv -f "$state.tmp.$$" "$state"
}
finish() {
  write "$1" "$2" "$3" "\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\""
  echo "== $(date -u +%H:%M:%SZ) deploy $1 (exit $2)"
  rm -f "$base/$project.current"
  [ "$mode" = mkdir ] && rm -rf "$base/$project.lock.d"
  exit "$2"
}
trap 'finish failed 143 "$step"' TERM INT
dc() { if [ "$variant" = v2 ]; then docker compose "$@"; else docker-compose "$@"; fi; }
step() {
  step=$1; shift
  write running null "$step" null
  echo "== $(date -u +%H:%M:%SZ) $step"
  "$@" </dev/null 9>&-
  rc=$?
  [ "$rc" -eq 0 ] || finish failed "$rc" "$step"
}
export COMPOSE_PROJECT_NAME="$project"
if [ -n "$files" ]; then export COMPOSE_PATH_SEPARATOR=: COMPOSE_FILE="$files"; fi
step=cd
cd -- "$dir" || finish failed 125 cd
[ "$git" = true ] && step git-pull git pull --ff-only
[ "$pull" = true ] && step pull dc pull "$@"
[ "$build" = true ] && step build dc build "$@"
step up dc up -d "$@"
finish succeeded 0 done
"""
)

# sh -c STATUS dozor-deploy-status MARKER ID PROJECT LOG_BYTES
# ID empty: the latest deploy of every project (or of PROJECT). Sections start with "MARKER <name>".
STATUS = (
    _BASE
    + r"""m=$1; id=$2; project=$3; n=$4
show() {
  # Alive is judged BEFORE the state is read: a runner that ends between the two has already written its
  # end, so "running" with a dead runner can only mean it died without writing one.
  pid=$(cat "$base/$1.pid" 2>/dev/null); alive=0
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    if [ -r "/proc/$pid/cmdline" ]; then tr '\0' '\n' < "/proc/$pid/cmdline" | grep -qxF -- "$1" && alive=1
    else alive=1; fi
  fi
  printf '%s state %s\n' "$m" "$1"
  cat "$base/$1.json" 2>/dev/null
  printf '%s alive\n%s\n' "$m" "$alive"
  printf '%s log\n' "$m"
  tail -c "$n" "$base/$1.log" 2>/dev/null
  printf '\n%s end\n' "$m"
}
[ -d "$base" ] || exit 0
if [ -n "$id" ]; then show "$id"; exit 0; fi
for f in "$base"/*.latest; do
  [ -f "$f" ] || continue
  p=${f##*/}; p=${p%.latest}
  if [ -n "$project" ] && [ "$p" != "$project" ]; then continue; fi
  show "$(cat "$f")"
done
"""
)
