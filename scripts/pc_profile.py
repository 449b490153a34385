"""Where a simulated board spends its cycles: sums a PC profile per function of the firmware's ELF.

Run a firmware with EAT_SIM_PC_PROFILE=PREFIX in the environment (any command that starts the simulator, e.g.
`EAT_SIM_PC_PROFILE=/tmp/pcp python -m pipeline bench --board pico ...`). rp2040js writes PREFIX.<pid> (cycles
per PC); QEMU (the STM32 boards) writes PREFIX.<n>.qemu.log, its log of translated and executed blocks, summed
here into instructions per PC (a block retranslated shorter under -icount counts as its latest translation: close,
not exact). Then: .venv/bin/python scripts/pc_profile.py PROFILE [--function NAME] (the ELF is the image's
firmware.elf beside it, the one named in PROFILE's .image for QEMU, or --elf PATH). --function lists that
function's instructions with their counts, hottest first."""

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


def read_qemu_log(path: Path) -> tuple[Path | None, Counter[int]]:
    """Instructions per PC from QEMU's `-d in_asm,exec,nochain` log: each "Trace" line runs the block that starts
    at its PC, whose instructions the latest "IN:" listing of that PC gave."""
    image_file = path.with_suffix(".image")
    image = Path(image_file.read_text().strip()) if image_file.exists() else None
    blocks: dict[int, list[int]] = {}
    runs: Counter[int] = Counter()
    pcs: Counter[int] = Counter()
    listing: list[int] | None = None

    def flush() -> None:   # a block's runs so far count with its translation before it is replaced
        for start, n in runs.items():
            for pc in blocks.get(start, []):
                pcs[pc] += n
        runs.clear()

    with path.open(errors="replace") as f:
        for line in f:
            if line.startswith("IN:"):
                listing = []
            elif listing is not None and line.startswith("0x"):
                listing.append(int(line.split(":")[0], 16))
            elif listing is not None and not line.strip():
                if listing:
                    if listing[0] in blocks:
                        flush()
                    blocks[listing[0]] = listing
                listing = None
            elif line.startswith("Trace "):
                pc = int(line.split("[")[1].split("/")[1], 16)
                runs[pc] += 1
    flush()
    return image, pcs


def read_profile(path: Path) -> tuple[Path | None, Counter[int]]:
    if path.name.endswith(".qemu.log"):
        return read_qemu_log(path)
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
