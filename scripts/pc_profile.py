"""Where the simulated Pico spends its cycles: sums an rp2040js PC profile per function of the firmware's ELF.

Run a firmware with EAT_SIM_PC_PROFILE=PREFIX in the environment (any command that starts the rp2040js
simulator, e.g. `EAT_SIM_PC_PROFILE=/tmp/pcp python -m pipeline bench --board pico ...`); each simulator
run writes PREFIX.<pid>. Then: .venv/bin/python scripts/pc_profile.py PREFIX.<pid> [--function NAME]
(the ELF is the image's firmware.elf beside it, or --elf PATH). --function lists that function's
instructions with their cycles, hottest first."""

from __future__ import annotations

import argparse
import bisect
import subprocess
from collections import Counter
from pathlib import Path


def symbols(elf: Path) -> list[tuple[int, str]]:
    """(address, name) of every function symbol, sorted (arm-none-eabi-nm)."""
    out = subprocess.run(["arm-none-eabi-nm", "-n", "--defined-only", str(elf)], capture_output=True, text=True,
                         check=True).stdout
    syms = [(int(f[0], 16) & ~1, f[2]) for f in (line.split() for line in out.splitlines())
            if len(f) == 3 and f[1] in "tTwW"]
    return sorted(syms)


def read_profile(path: Path) -> tuple[Path | None, Counter[int]]:
    image, pcs = None, Counter()
    for line in path.read_text().splitlines():
        if line.startswith("# image "):
            image = Path(line[len("# image "):])
        elif line.strip():
            pc, cycles = line.split()
            pcs[int(pc, 16) & ~1] += int(cycles)
    return image, pcs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("profile", type=Path)
    ap.add_argument("--elf", type=Path)
    ap.add_argument("--function")
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args()
    image, pcs = read_profile(a.profile)
    elf = a.elf or (image.with_suffix(".elf") if image else None)
    if elf is None or not elf.exists():
        raise SystemExit(f"pc_profile: no ELF for {a.profile} (give --elf PATH)")
    syms = symbols(elf)
    addrs = [s[0] for s in syms]
    per_fn: Counter[str] = Counter()
    for pc, cycles in pcs.items():
        i = bisect.bisect_right(addrs, pc) - 1
        per_fn[syms[i][1] if i >= 0 else "?"] += cycles
    total = sum(pcs.values())
    if a.function:
        start = dict((n, s) for s, n in syms).get(a.function)
        if start is None:
            raise SystemExit(f"pc_profile: no function {a.function} in {elf}")
        hot = sorted(((c, pc) for pc, c in pcs.items() if syms[bisect.bisect_right(addrs, pc) - 1][1] == a.function),
                     reverse=True)
        print(f"{a.function}: {per_fn[a.function]:,} of {total:,} cycles")
        for c, pc in hot[:a.top]:
            print(f"{c:>12,}  {pc:#010x}  (+{pc - start:#x})")
        return
    print(f"{total:,} cycles in {elf}")
    for name, c in per_fn.most_common(a.top):
        print(f"{c:>12,} {c / max(total, 1):6.1%}  {name}")


if __name__ == "__main__":
    main()
