"""The compiler side of the per-core kernels: registry choice, bias folding and its overflow check,
weight layouts, and the fast requantization against eat_mbqm (host C)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pipeline.compiler import kernels
from pipeline.compiler.packing import DensePacker
from pipeline.paths import RUNTIME_DIR

CONV_GEO = dict(n=1, ih=5, iw=5, ic=8, oh=5, ow=5, oc=6, kh=3, kw=3, sh=1, sw=1, dh=1, dw=1, ph=1, pw=1,
                act_min=-128, act_max=127, fic=8, dm=1)


def _conv_weights(rng: np.random.Generator) -> np.ndarray:
    return rng.integers(-127, 128, size=(6, 3, 3, 8)).astype(np.int8)


def test_core_variant_then_generic_then_reference() -> None:
    rng = np.random.default_rng(0)
    w = _conv_weights(rng)
    packed = DensePacker().pack("CONV_2D", w)
    bias = rng.integers(-1000, 1000, size=6).astype(np.int32)
    m4 = kernels.prepare("CONV_2D", packed, "cortex-m4", CONV_GEO, w, bias, "b", 5)
    assert m4.kernel == "eat_conv2d_s8_dsp16" and m4.scratch_bytes == 24 * 6 + 4 * 72
    big = dict(CONV_GEO, ic=512, fic=512, oc=12)       # int16 weights over W16_MAX_BYTES: the int8 kernel
    wb = rng.integers(-127, 128, size=(12, 3, 3, 512)).astype(np.int8)
    assert kernels.prepare("CONV_2D", DensePacker().pack("CONV_2D", wb), "cortex-m4", big, wb, None, None,
                           5).kernel == "eat_conv2d_s8_dsp"
    rv = kernels.prepare("CONV_2D", packed, "rv32imc", CONV_GEO, w, bias, "b", 5)
    assert rv.kernel == "eat_conv2d_s8_rv32" and rv.scratch_bytes == 2 * 72
    m3 = kernels.prepare("CONV_2D", packed, "cortex-m3", CONV_GEO, w, bias, "b", 5)   # no own variants
    assert m3.kernel == "eat_conv2d_s8_folded"
    grouped = dict(CONV_GEO, fic=4)
    assert kernels.prepare("CONV_2D", packed, "cortex-m4", grouped, w, bias, "b", 5).kernel == "eat_conv2d_s8"


def test_folded_bias_is_exact_and_overflow_falls_back() -> None:
    rng = np.random.default_rng(1)
    w = _conv_weights(rng)
    bias = rng.integers(-1000, 1000, size=6).astype(np.int32)
    folded = kernels.fold_bias("CONV_2D", w, bias, -17)
    assert np.array_equal(folded, bias.astype(np.int64) - 17 * w.reshape(6, -1).astype(np.int64).sum(1))
    huge = np.full(6, 2**31 - 100, np.int64)
    assert kernels.fold_bias("CONV_2D", w, huge, 3) is None
    packed = DensePacker().pack("CONV_2D", w)
    prep = kernels.prepare("CONV_2D", packed, "cortex-m4", CONV_GEO, w, huge, "b", 3)
    assert prep.kernel == "eat_conv2d_s8" and any("overflow" in n for n in prep.notes)
    assert np.array_equal(prep.bias, huge)


def test_layouts_keep_every_weight() -> None:
    rng = np.random.default_rng(2)
    w = rng.integers(-127, 128, size=(5, 1, 3, 7)).astype(np.int8)     # K = 21, 5 filters
    data, _ = kernels.LAYOUTS["oc2_k4_interleaved"]("CONV_2D", w, {})
    assert data.size == 6 * 24
    blocks = data.reshape(3, 6, 2, 4)[:, :, :, [0, 2, 1, 3]]          # pair, group, row, byte (unswapped)
    rows = blocks.transpose(0, 2, 1, 3).reshape(6, 24)
    assert np.array_equal(rows[:5, :21], w.reshape(5, -1)) and not rows[5].any() and not rows[:, 21:].any()
    dw = rng.integers(-127, 128, size=(1, 3, 3, 6)).astype(np.int8)
    data, _ = kernels.LAYOUTS["dw_c4_taps"]("DEPTHWISE_CONV_2D", dw, {})
    back = data.reshape(2, 9, 4).transpose(1, 0, 2).reshape(9, 8)
    assert np.array_equal(back[:, :6], dw.reshape(9, 6)) and not back[:, 6:].any()
    fc = rng.integers(-127, 128, size=(6, 8)).astype(np.int8)
    data, _ = kernels.LAYOUTS["rows4_k4_interleaved"]("FULLY_CONNECTED", fc, {})
    back = data.reshape(2, 2, 4, 4).transpose(0, 2, 1, 3).reshape(8, 8)
    assert np.array_equal(back[:6], fc) and not back[6:].any()


REQUANT_CHECK = r"""
#include <stdio.h>
#include "eat/requant.h"
static unsigned long long s = 88172645463325252ull;
static uint32_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (uint32_t)s; }
int main(void) {
    long bad = 0;
    const int32_t edges[] = {0, 1, -1, 2, -2, INT32_MIN, INT32_MAX, 1 << 30, -(1 << 30), 12345, -12345};
    for (long i = 0; i < 3000000; ++i) {
        int32_t acc = (int32_t)rnd(), mult = (int32_t)((rnd() >> 1) | 0x40000000u), shift = (int32_t)(rnd() % 40) - 31;
        if (i % 3 == 0) acc >>= (rnd() % 31);
        if (i % 97 == 0) mult = 0;
        bad += eat_requant(acc, mult, shift) != eat_mbqm(acc, mult, shift);
    }
    for (int a = 0; a < 11; ++a)
        for (int sh = -31; sh <= 8; ++sh) {
            bad += eat_requant(edges[a], 0x40000000, sh) != eat_mbqm(edges[a], 0x40000000, sh);
            bad += eat_requant(edges[a], INT32_MAX, sh) != eat_mbqm(edges[a], INT32_MAX, sh);
        }
    printf("%ld\n", bad);
    return bad != 0;
}
"""


def test_fast_requant_equals_mbqm(tmp_path: Path) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("gcc absent")
    src = tmp_path / "rq.c"
    src.write_text(REQUANT_CHECK)
    subprocess.run(["gcc", "-std=c99", "-O2", f"-I{RUNTIME_DIR / 'include'}", str(src), "-o", str(tmp_path / "rq")],
                   check=True)
    proc = subprocess.run([str(tmp_path / "rq")], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "0", proc.stdout


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc absent")
@pytest.mark.parametrize("cpu", ["cortex-m4", "cortex-m7", "cortex-m0plus"])
def test_isa_kernels_build_warning_free(cpu: str, tmp_path: Path) -> None:
    """runtime/src/armv7em/ builds clean for M4/M7 and to nothing for the M0+."""
    for src in sorted((RUNTIME_DIR / "src" / "armv7em").glob("*.c")):
        obj = tmp_path / (src.stem + ".o")
        proc = subprocess.run(["arm-none-eabi-gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-mthumb",
                               f"-mcpu={cpu}", f"-I{RUNTIME_DIR / 'include'}", "-c", str(src), "-o", str(obj)],
                              capture_output=True, text=True)
        assert proc.returncode == 0 and not proc.stderr, proc.stderr
        syms = subprocess.run(["arm-none-eabi-nm", str(obj)], capture_output=True, text=True).stdout
        assert (f" T eat_" in syms) == (cpu != "cortex-m0plus"), syms


REQUANT_PC_CHECK = r"""
#include <stdio.h>
#include "eat/requant.h"
#include "eat/requant_pc.h"
static unsigned long long s = 88172645463325252ull;
static uint32_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (uint32_t)s; }
int main(void) {
    long bad = 0;
    const int32_t edges[] = {0, 1, -1, 2, -2, 3, -3, INT32_MIN, INT32_MAX, INT32_MIN + 1, INT32_MAX - 1,
                             1 << 30, -(1 << 30), 12345, -12345};
    const int32_t mults[] = {0x40000000, INT32_MAX, 0, 0x40000001};
    eat_rq_t q;
    for (long i = 0; i < 3000000; ++i) {
        int32_t acc = (int32_t)rnd(), mult = (int32_t)((rnd() >> 1) | 0x40000000u);
        int32_t shift = (int32_t)(rnd() % 40) - 31;
        if (i % 3 == 0) acc >>= (rnd() % 31);
        if (i % 97 == 0) mult = 0;
        if (i % 89 == 0) mult = 0x40000000;
        eat_rq_prepare(&q, &mult, &shift, 1);
        bad += eat_rq(acc, &q) != eat_mbqm(acc, mult, shift);
        {
            const int32_t off = (int32_t)(rnd() % 256) - 128, lo = (int32_t)(rnd() % 128) - 128;
            bad += eat_rq_s8(acc, &q, off, lo, 127) != eat_requant_s8(acc, mult, shift, off, lo, 127);
        }
    }
    for (int a = 0; a < 15; ++a)
        for (int32_t sh = -31; sh <= 8; ++sh)
            for (int k = 0; k < 4; ++k) {
                eat_rq_prepare(&q, &mults[k], &sh, 1);
                bad += eat_rq(edges[a], &q) != eat_mbqm(edges[a], mults[k], sh);
            }
    printf("%ld\n", bad);
    return bad != 0;
}
"""


def test_prepared_requant_equals_mbqm(tmp_path: Path) -> None:
    """eat/requant_pc.h (the constants the M4 kernels prepare per call) against eat_mbqm, all shifts."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc absent")
    src = tmp_path / "rqpc.c"
    src.write_text(REQUANT_PC_CHECK)
    subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Werror", f"-I{RUNTIME_DIR / 'include'}", str(src), "-o",
                    str(tmp_path / "rqpc")], check=True)
    proc = subprocess.run([str(tmp_path / "rqpc")], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "0", proc.stdout


REQUANT_SHORT_CHECK = r"""
#include <stdio.h>
#include "eat/requant.h"
#include "eat/requant_pc.h"
static unsigned long long s = 88172645463325252ull;
static uint32_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (uint32_t)s; }
int main(void) {
    long bad = 0, n = 0;
    eat_rq_t q;
    for (long i = 0; i < 4000000; ++i) {
        int32_t acc = (int32_t)(rnd() % (1u << 30)) - (1 << 29), mult = (int32_t)((rnd() >> 1) | 0x40000000u);
        int32_t shift = -(int32_t)(rnd() % 22) - 1;
        const int32_t off = (int32_t)(rnd() % 256) - 128, lo = (int32_t)(rnd() % 128) - 128, hi = 127 - (int32_t)(rnd() % 100);
        if (i % 2 == 0) acc >>= (rnd() % 29);
        if (i % 97 == 0) mult = 0;
        if (i % 89 == 0) mult = 0x40000000;
        if (i % 83 == 0) mult = INT32_MAX;
        if (i % 7 == 0) acc = (i & 8) ? (1 << 29) - 1 : -(1 << 29) + 1;
        eat_rq_prepare(&q, &mult, &shift, 1);
        if (!eat_rq_prepare_short(&q, &shift, 1, off)) { bad++; continue; }
        bad += eat_rq_short_s8(acc, &q, lo, hi) != eat_requant_s8(acc, mult, shift, off, lo, hi);
        bad += eat_rq_short(acc, &q) != eat_mbqm(acc, mult, shift) + off;
        n++;
    }
    { int32_t sh[2] = {-3, 0}; bad += eat_rq_prepare_short(&q, sh, 2, 0) != 0; }
    { int32_t sh[2] = {-3, -23}; bad += eat_rq_prepare_short(&q, sh, 2, 0) != 0; }
    printf("%ld\n", bad);
    return bad != 0;
}
"""


def test_short_requant_equals_requant_s8(tmp_path: Path) -> None:
    """The short form (|acc| < 2^29, shifts -1..-22, output offset in the rounding constant) against
    eat_requant_s8 with random clamps, and its refusal outside that range (host C; the SMMULR path
    runs in the M4 kernel tests)."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc absent")
    src = tmp_path / "rqs.c"
    src.write_text(REQUANT_SHORT_CHECK)
    subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Werror", f"-I{RUNTIME_DIR / 'include'}", str(src), "-o",
                    str(tmp_path / "rqs")], check=True)
    proc = subprocess.run([str(tmp_path / "rqs")], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "0", proc.stdout


FC_SHORT_CHECK = r"""
#include <stdio.h>
#include "eat/requant.h"
#include "fc_armv7em.h"
static unsigned long long s = 88172645463325252ull;
static uint32_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (uint32_t)s; }
int main(void) {
    long bad = 0, n = 0;
    for (long i = 0; i < 4000000; ++i) {
        eat_fully_connected_s8_params_t p = {0};
        const int32_t k = 1 + (int32_t)(rnd() % 2048);
        int32_t shift = (int32_t)(rnd() % 51) - 22, mult = (int32_t)((rnd() >> 1) | 0x40000000u), bias = 0, acc;
        const int32_t lim = (int32_t)1 << (30 - (shift > 0 ? shift + 1 : 1));
        eat_fc_rq_t q;
        p.out_depth = 1; p.output_multiplier = mult; p.output_shift = shift;
        p.output_offset = (int32_t)(rnd() % 256) - 128;
        p.act_min = (int32_t)(rnd() % 128) - 128; p.act_max = 127 - (int32_t)(rnd() % 100);
        if (i % 89 == 0) mult = p.output_multiplier = 0x40000000;
        if (i % 83 == 0) mult = p.output_multiplier = INT32_MAX;
        if (lim > (k << 14)) bias = (int32_t)(rnd() % (uint32_t)(lim - (k << 14))) * ((i & 1) ? 1 : -1);
        if (!eat_fc_short_ok(&p, &bias, k)) { bad += lim > (k << 14) && shift >= -22 && shift <= 28; continue; }
        acc = bias + (int32_t)(rnd() % (uint32_t)(2 * (k << 14) - 1)) - ((k << 14) - 1);
        if (i % 5 == 0) acc = bias + ((i & 2) ? 1 : -1) * ((k << 14) - 1);   /* the accumulator's bound */
        eat_fc_rq_make(&q, mult, shift, p.output_offset);
        bad += eat_fc_rq_s8(&q, acc, p.act_min, p.act_max) != eat_requant_s8(acc, mult, shift, p.output_offset, p.act_min, p.act_max);
        n++;
    }
    { eat_fully_connected_s8_params_t p = {0}; int32_t b = 0; p.out_depth = 1; p.output_shift = 29;
      bad += eat_fc_short_ok(&p, &b, 4) != 0; p.output_shift = -23; bad += eat_fc_short_ok(&p, &b, 4) != 0;
      p.output_shift = -5; b = (1 << 29) - 64; bad += eat_fc_short_ok(&p, &b, 4) != 0; }
    printf("%ld %ld\n", bad, n);
    return bad != 0 || n < 1000000;
}
"""


REQUANT_SHORT_K_CHECK = r"""
#include <stdio.h>
#include <string.h>
#include "eat/requant.h"
#include "eat/requant_pc.h"
static unsigned long long s = 88172645463325252ull;
static uint32_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (uint32_t)s; }
int main(void) {
    long bad = 0, taken = 0, constant = 0, refused = 0;
    for (long i = 0; i < 200000; ++i) {
        int32_t mult[2], shift[2], bias[2];
        eat_rq_t q[2], fresh[2];
        const int32_t k = 1 + (int32_t)(rnd() % 2000), span = k << 14;
        const int32_t off = (int32_t)(rnd() % 256) - 128, lo = (int32_t)(rnd() % 128) - 128;
        const int32_t hi = 127 - (int32_t)(rnd() % 100);
        for (int c = 0; c < 2; ++c) {
            mult[c] = (int32_t)((rnd() >> 1) | 0x40000000u);
            shift[c] = -(int32_t)(rnd() % 22) - 1;
            bias[c] = (int32_t)(rnd() % (1u << 20)) - (1 << 19);
            switch (rnd() % 6) {
            case 0: bias[c] = (rnd() & 1) ? (1 << 30) - (int32_t)(rnd() % 4096) : -(1 << 30); break;  /* pinned */
            case 1: shift[c] = -(int32_t)(rnd() % 9) - 23; break;                                   /* r > 22 */
            case 2: shift[c] = (int32_t)(rnd() % 3); break;                                         /* r = 0 */
            case 3: bias[c] = (1 << 29) - span + (int32_t)(rnd() % 3) - 1; break;                  /* the limit */
            default: break;
            }
        }
        eat_rq_prepare(q, mult, shift, 2);
        memcpy(fresh, q, sizeof q);
        if (!eat_rq_prepare_short_k(q, shift, bias, 2, k, off, lo, hi)) {
            refused++;
            bad += memcmp(fresh, q, sizeof q) != 0;   /* left as eat_rq_prepare made it */
            continue;
        }
        taken++;
        constant += (q[0].multiplier == 0 && mult[0] != 0) + (q[1].multiplier == 0 && mult[1] != 0);
        for (int c = 0; c < 2; ++c) {
            const int32_t m = q[c].multiplier, cc = q[c].c, s2 = q[c].s2;
            for (int j = 0; j < 40; ++j) {
                int64_t a = (int64_t)bias[c] + (int64_t)(rnd() % (2u * (uint32_t)span + 1u)) - span;
                const int32_t q3[3] = {m, cc, s2};
                if (j == 0) a = (int64_t)bias[c] - span;
                if (j == 1) a = (int64_t)bias[c] + span;
                if (a < INT32_MIN || a > INT32_MAX) { bad++; continue; }
                {
                    const int8_t want = eat_requant_s8((int32_t)a, mult[c], shift[c], off, lo, hi);
                    bad += eat_rq_short_s8((int32_t)a, &q[c], lo, hi) != want;
                    bad += eat_rq3_short_s8((int32_t)a, q3, lo, hi) != want;
                }
            }
        }
    }
    printf("%ld %ld %ld %ld\n", bad, taken, constant, refused);
    return bad != 0;
}
"""


def test_fc_short_requant_equals_requant_s8(tmp_path: Path) -> None:
    """The ARMv7E-M FC kernels' short requantisation (runtime/src/armv7em/fc_armv7em.h: shifts -22..28, the
    output offset in the rounding constant) against eat_requant_s8 over accumulators up to the call's
    bound |bias| + k * 2^14, and its refusal outside (host C; the SMMULR path runs in the M4 tests)."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc absent")
    src = tmp_path / "fcq.c"
    src.write_text(FC_SHORT_CHECK)
    subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Werror", f"-I{RUNTIME_DIR / 'include'}",
                    f"-I{RUNTIME_DIR / 'src' / 'armv7em'}", str(src), "-o", str(tmp_path / "fcq")], check=True)
    proc = subprocess.run([str(tmp_path / "fcq")], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.split()[0] == "0", proc.stdout


def test_fc_int16_budget_fills_largest_first() -> None:
    """ad01_int8's FC shapes: both 640-wide layers and four of the six 128x128 take int16 (224 KB extra, full)."""
    from pipeline.compiler.kernels_registry import FC_W16_EXTRA_BYTES, fc_w16_bytes, fc_w16_ops

    shapes = [(128, 640), (128, 128), (128, 128), (128, 128), (8, 128), (128, 8), (128, 128), (128, 128),
              (128, 128), (640, 128)]
    layers = [(i, o, k) for i, (o, k) in enumerate(shapes)]
    chosen = fc_w16_ops(layers)
    assert sum(fc_w16_bytes(o, k) // 2 for i, o, k in layers if i in chosen) <= FC_W16_EXTRA_BYTES
    assert {0, 9} <= chosen and len(chosen & {1, 2, 3, 6, 7, 8}) == 4 and not chosen & {4, 5}
    assert fc_w16_ops([(0, 4096, 4096)]) == frozenset()   # one layer beyond the budget stays int8


def test_short_requant_with_bounds_and_constant_channels(tmp_path: Path) -> None:
    """eat_rq_prepare_short_k (the dsp16 kernels' per-call choice from bias +- k * 2^14): where it takes
    the short form, every accumulator in that range requantises as eat_requant_s8 (the pinned channels,
    bias ~ +-2^30 or large shifts, as constants); where it refuses, the constants stay untouched."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc absent")
    src = tmp_path / "rqk.c"
    src.write_text(REQUANT_SHORT_K_CHECK)
    subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Werror", f"-I{RUNTIME_DIR / 'include'}", str(src), "-o",
                    str(tmp_path / "rqk")], check=True)
    proc = subprocess.run([str(tmp_path / "rqk")], capture_output=True, text=True)
    bad, taken, constant, refused = (int(x) for x in proc.stdout.split())
    assert proc.returncode == 0 and bad == 0, proc.stdout
    assert taken > 10000 and constant > 1000 and refused > 10000, proc.stdout


def test_conv_int16_layout_keeps_every_weight() -> None:
    rng = np.random.default_rng(4)
    w = rng.integers(-128, 128, size=(6, 3, 3, 3)).astype(np.int8)     # K = 27 -> 28, 6 -> 8 filters
    data, _ = kernels.LAYOUTS["oc4_k2_w16"]("CONV_2D", w, {})
    blocks = data.view("<i2").reshape(2, 14, 4, 2)                     # block, k pair, filter, k
    rows = blocks.transpose(0, 2, 1, 3).reshape(8, 28)
    assert np.array_equal(rows[:6, :27], w.reshape(6, 27)) and not rows[6:].any() and not rows[:, 27].any()


def test_dw_int16_layout_keeps_every_weight() -> None:
    rng = np.random.default_rng(3)
    dw = rng.integers(-128, 128, size=(1, 3, 3, 8)).astype(np.int8)
    data, _ = kernels.LAYOUTS["dw_c4_taps_w16"]("DEPTHWISE_CONV_2D", dw, {})
    w16 = data.view("<i2").reshape(2, 9, 4)[:, :, [0, 2, 1, 3]]        # block, tap, channel in block
    assert np.array_equal(w16.transpose(1, 0, 2).reshape(9, 8), dw.reshape(9, 8))
    geo = dict(CONV_GEO, ic=8, oc=8, fic=8)
    packed = DensePacker().pack("DEPTHWISE_CONV_2D", dw)
    m4 = kernels.prepare("DEPTHWISE_CONV_2D", packed, "cortex-m4", geo, dw, None, None, 3)
    assert m4.kernel == "eat_depthwise_conv2d_s8_dsp16" and m4.scratch_bytes == 29 * 8   # constants, zp row, int32 accs
    odd = dict(geo, oc=6, ic=6)
    dw6 = dw[..., :6]
    assert kernels.prepare("DEPTHWISE_CONV_2D", DensePacker().pack("DEPTHWISE_CONV_2D", dw6), "cortex-m4", odd,
                           dw6, None, None, 3).kernel == "eat_depthwise_conv2d_s8_dsp"
