"""The deploy scripts' shared-file writes, run in a real ``sh``."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dozor.ops.deploy_scripts import _PUT

# A writer rewrites the file as fast as it can while a reader reads it: every read must see a whole value.
_RACE = (
    _PUT
    + """f=$1
put "$f" 1234567
( i=0; while [ $i -lt 400 ]; do put "$f" 1234567; i=$((i+1)); done ) &
w=$!
empty=0
while kill -0 $w 2>/dev/null; do
  v=$(cat "$f" 2>/dev/null)
  [ "$v" = 1234567 ] || empty=$((empty+1))
done
echo "$empty"
"""
)


def test_put_never_shows_a_reader_a_half_written_file(tmp_path: Path) -> None:
    target = tmp_path / "lock.d" / "pid"
    target.parent.mkdir()
    out = subprocess.run(["sh", "-c", _RACE, "race", str(target)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0"
    assert target.read_text() == "1234567\n"
    assert [p.name for p in target.parent.iterdir()] == ["pid"], "no temporary file is left behind"


def test_the_same_race_with_a_plain_redirect_does_show_empty_reads(tmp_path: Path) -> None:
    """Guards the test above: without ``put`` the reader does catch the file truncated."""
    target = tmp_path / "pid"
    plain = _RACE.replace(_PUT, 'put() { printf "%s\\n" "$2" > "$1"; }\n')
    seen = []
    for _ in range(5):  # about 60 torn reads per run here; a few tries keep a loaded CI machine from a miss
        out = subprocess.run(["sh", "-c", plain, "race", str(target)], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        seen.append(int(out.stdout.strip()))
        if seen[-1]:
            break
    assert seen[-1] > 0, seen
