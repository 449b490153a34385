"""The render stage: complete projects for both engines, consistent with the model they carry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.boards import load_board
from pipeline.compiler.compile import compile_model
from pipeline.compiler.convert import convert_tflite
from pipeline.paths import PLATFORMS_DIR
from pipeline.firmware.render import CompiledModel, render_project
from pipeline.tflite.model import load
from pipeline.tflite.tflm_arena import measure_wheel_arena
from pipeline.tflite.tflm_ops import RESOLVER_METHODS
from tests.conftest import reference_model


@pytest.fixture(scope="module")
def kws_c(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tflite = reference_model("kws_ref_model.tflite")
    c_dir = tmp_path_factory.mktemp("kws_c")
    compile_model(tflite, c_dir, core="cortex-m0plus")
    convert_tflite(tflite, c_dir)
    return tflite, c_dir


def test_eat_project_is_complete(kws_c: tuple[Path, Path], tmp_path: Path) -> None:
    _, c_dir = kws_c
    project = render_project(CompiledModel.load(c_dir), load_board("pico"), tmp_path / "fw").project_dir
    for rel in ("platformio.ini", "src/main.c", "src/model.c", "src/model.h", "src/hal.h", "src/hal_rp2040.c",
                "src/eat_server.c", "src/eat_link.c", "src/engine_eat.c", "lib/eat_runtime/library.json",
                "lib/eat_runtime/include/eat/model_api.h"):
        assert (project / rel).is_file(), rel
    ini = (project / "platformio.ini").read_text()
    assert f"platform = symlink://{PLATFORMS_DIR / 'edgeaitiny'}" in ini and "[env:pico]" in ini
    main = (project / "src" / "main.c").read_text()
    assert '"pico"' in main and "125000000u" in main and CompiledModel.load(c_dir).sha256 in main
    assert not list(tmp_path.glob(".fw.*")), "staging directory left behind"


def test_tflm_project_is_consistent_with_the_model(kws_c: tuple[Path, Path], tmp_path: Path) -> None:
    tflite, c_dir = kws_c
    compiled = CompiledModel.load(c_dir)
    project = render_project(compiled, load_board("pico"), tmp_path / "fw", engine="tflm", tflite=tflite).project_dir
    engine = (project / "src" / "engine_tflm.cc").read_text()
    # ops: exactly the model's, each registered once, and the resolver sized for them
    model_ops = {op.opcode for op in load(tflite).operators}
    registered = re.findall(r"resolver\.(\w+)\(\);", engine)
    assert sorted(registered) == sorted(RESOLVER_METHODS[op] for op in model_ops)
    assert f"MicroMutableOpResolver<{len(model_ops)}>" in engine
    # arena: our plan or TFLM's activation plan, whichever is larger, plus TFLM's persistent data
    wheel = measure_wheel_arena(tflite)
    arena = int(re.search(r"kArenaBytes = (\d+);", engine).group(1))
    assert arena == max(compiled.arena_bytes, wheel.head_bytes) + wheel.tail_bytes
    assert arena >= 22_772  # at least TFLM's own Cortex-M figure for this model
    # array: the exact .tflite bytes
    source = (project / "src" / "model_data.c").read_text()
    body = source[source.index("{") + 1 : source.rindex("}")]
    assert bytes(int(v, 16) for v in re.findall(r"0x([0-9a-f]{2})", body)) == tflite.read_bytes()
    assert "g_model" in engine and (project / "src" / "model_data.h").is_file()
    assert not (project / "src" / "model.c").exists()  # our engine's sources are not mixed in
    ini = (project / "platformio.ini").read_text()
    assert "TFLM_DIR" in ini and "create_tflm_tree.py" in ini
