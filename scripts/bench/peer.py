"""Shared by the benchmark scripts: building our binaries and installing the peer."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "bench"
PEER_VERSION = "0.169.0"


def build_ours(*packages):
    """Builds the release binaries of the given packages; returns target/release."""
    env = dict(os.environ, CARGO_BUILD_JOBS=os.environ.get("CARGO_BUILD_JOBS", "2"))
    cmd = ["cargo", "build", "--release", "--locked"]
    for p in packages:
        cmd += ["-p", p]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    return ROOT / "target" / "release"


def install_peer(version=PEER_VERSION):
    """Installs @openai/codex into .cache/bench; returns its native binary."""
    prefix = CACHE / f"openai-codex-{version}"
    marker = prefix / ".installed"
    if not marker.exists():
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
                        "--loglevel=error", f"@openai/codex@{version}"],
                       check=True, stdout=sys.stderr)
        marker.write_text(version)
    # Measure the native binary itself, not the Node launcher in front of it.
    for path in (prefix / "node_modules").rglob("codex"):
        if path.is_file() and os.access(path, os.X_OK) and "vendor" in path.parts:
            return path
    sys.exit(f"cannot find the Codex CLI's native binary under {prefix}")


if __name__ == "__main__":
    # `python3 scripts/bench/peer.py` installs the peer if needed and prints its binary's path.
    print(install_peer())
