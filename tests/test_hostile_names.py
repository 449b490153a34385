"""Names from the model are data, not code: tensor names and a file name holding `*/`, quotes,
backslashes, newlines, trigraphs, rich markup and non-ASCII reach the generated C, the rendered
project and the error line as text, and inject nothing."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.boards import load_board
from pipeline.compiler.compile import compile_model
from pipeline.device.hostrun import HostModel
from pipeline.firmware.render import CompiledModel, render_project
from pipeline.paths import REPO_ROOT, RUNTIME_DIR, TEMPLATES_DIR
from pipeline.tflite.model import load
from pipeline.tflite.oracle import Oracle
from tests.conftest import reference_model

HOSTILE = '[red]markup[/] x */ int eat_injected_symbol = 1; /* "q\'\\ \n#include <nope.h>\n??/ ünïcødé ✓ \\'
FILE_NAME = "evil\n[env:injected]\nbuild_flags = -DEAT_INJECTED\n*ü.tflite"


def hostile_copy(src: Path, dst: Path, opcode: int | None = None) -> Path:
    import flatbuffers
    from tflite_micro import runtime

    fb = runtime.schema_fb
    m = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(src.read_bytes(), 0))
    for i, t in enumerate(m.subgraphs[0].tensors):
        t.name = f"{HOSTILE} {i}".encode()
    m.description = HOSTILE.encode()
    if opcode is not None:
        m.operatorCodes[0].builtinCode = opcode
        m.operatorCodes[0].deprecatedBuiltinCode = min(opcode, 127)
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    dst.write_bytes(bytes(b.Output()))
    return dst


@pytest.fixture
def hostile_model(tmp_path: Path) -> Path:
    return hostile_copy(reference_model("hello_world_int8.tflite"), tmp_path / FILE_NAME)


def test_names_reach_the_reader_unchanged(hostile_model: Path) -> None:
    m = load(hostile_model)
    assert m.tensors[0].name == f"{HOSTILE} 0" and m.description == HOSTILE


def test_generated_c_compiles_clean_and_stays_bit_exact(hostile_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "c"
    compile_model(hostile_model, out)
    for name in ("model.c", "model.h"):
        proc = subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", f"-I{RUNTIME_DIR / 'include'}",
                               f"-I{out}", "-x", "c", str(out / name)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[-2000:]
    host = HostModel(out)
    nm = subprocess.run(["nm", str(host.lib_path)], capture_output=True, text=True).stdout
    assert "eat_injected_symbol" not in nm
    oracle = Oracle(hostile_model)
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.integers(-128, 128, size=oracle.inputs[0].shape, dtype=np.int8)
        assert host.invoke([x])[0].tobytes() == oracle.invoke([x])[0].astype(np.int8).tobytes()


def test_rendered_project_holds_the_name_as_text(hostile_model: Path, tmp_path: Path) -> None:
    from pipeline.compiler.convert import convert_tflite

    c_dir = tmp_path / "c"
    compile_model(hostile_model, c_dir)
    convert_tflite(hostile_model, c_dir)
    project = render_project(CompiledModel.load(c_dir), load_board("pico"), tmp_path / "fw").project_dir
    ini = configparser.ConfigParser()
    ini.read(project / "platformio.ini")
    assert not any("injected" in s for s in ini.sections())
    assert "EAT_INJECTED" not in "".join(v for s in ini.sections() for v in ini[s].values())
    includes = [project / "src", TEMPLATES_DIR / "hal", RUNTIME_DIR / "include", c_dir]
    proc = subprocess.run(["gcc", "-std=c99", "-Wall", "-Werror", "-fsyntax-only", *(f"-I{d}" for d in includes),
                           str(project / "src" / "main.c")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    tflm = tmp_path / "fw_tflm"
    shutil.rmtree(tflm, ignore_errors=True)
    render_project(CompiledModel.load(c_dir), load_board("pico"), tflm, engine="tflm", tflite=hostile_model)
    for line in (tflm / "src" / "engine_tflm.cc").read_text().splitlines():
        assert not line.startswith(("#include <nope.h>", "[env:injected]", "build_flags = -DEAT_INJECTED"))


def test_error_line_quotes_the_name_as_text(tmp_path: Path) -> None:
    # GATHER (36), which our engine does not run: the error names the hostile layer
    bad = hostile_copy(reference_model("hello_world_int8.tflite"), tmp_path / "unsupported.tflite", opcode=36)
    proc = subprocess.run([sys.executable, "-m", "pipeline", "compile", "--model", str(bad), "--out", str(tmp_path / "c")],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert len([l for l in proc.stderr.splitlines() if l.startswith("error:")]) == 1, proc.stderr
    assert "[red]markup[/]" in " ".join(proc.stderr.split()), proc.stderr
