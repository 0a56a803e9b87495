"""The stubs: complete (stubtest: every runtime name and signature of the installed wheel
matches its stub) and real (mypy --strict passes the typed example and rejects misuse)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_stubs_match_the_runtime(tmp_path: Path) -> None:
    done = run("mypy.stubtest", "foundry_client", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_example_type_checks_strictly(tmp_path: Path) -> None:
    done = run(
        "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), str(REPO / "python/examples/quickstart.py"), cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_misuse_is_caught(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.py"
    wrong.write_text(
        "from foundry_client import AsyncFoundry, Foundry\n"
        "c = Foundry()\n"
        "r = c.chat.completions.create(model='m', messages=[])\n"
        "n: int = r.choices[0].message.content\n"
        "c.chat.completions.create(model='m', messages=[], max_tokenz=5)\n"
        "for chunk in c.chat.completions.create(model='m', messages=[], stream=True):\n"
        "    chunk.nonexistent\n"
        "async def f() -> None:\n"
        "    s = await AsyncFoundry().chat.completions.create(model='m', messages=[], stream=True)\n"
        "    for x in s: pass\n"
        "c.chat.completions.create(model='m', messages=[], priority='urgent')\n"
        "c.scope('bot', budget={'window': 'day'})\n"
        "usd: float = c.scope('bot').spend()[0].spent_usd + c.limits()[0].queued\n"
        "a: AsyncFoundry = AsyncFoundry().scope('bot', rpm=6)\n"
    )
    done = run("mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), str(wrong), cwd=tmp_path)
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert sorted({int(line.split(":")[1]) for line in errors}) == [4, 5, 7, 10, 11, 12], done.stdout
