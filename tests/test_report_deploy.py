"""The built-in example's real deploy writes a report.html that renders in headless Chromium with every
section that has data; its console (the demo's) carries no TensorFlow log line; --verbose brings them back."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.paths import REPO_ROOT
from tests.browser import chromium, render
from tests.test_report_html import DEPLOY_SECTIONS, assert_self_contained, section

# What TensorFlow, absl, Keras and the converter print on their own (C++ and Python logging, warnings).
TF_LOG = re.compile(
    r"^[IWEF]\d{4} \d\d:\d\d:\d\d|^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] |tensorflow/|oneDNN|absl::|WARNING:absl|"
    r"WARNING:tensorflow|UserWarning|DeprecationWarning|cuda|TF-TRT|tf_tfl_|To enable the following instructions",
    re.M,
)


def tf_log_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if TF_LOG.search(line)]


@pytest.mark.sim
def test_example_deploy_writes_a_report_that_renders(deployed_example: Path, tmp_path: Path) -> None:
    if chromium() is None:
        pytest.skip("Debian chromium not installed (scripts/setup.sh installs it)")
    report = json.loads((deployed_example / "report.json").read_text())
    html = deployed_example / "report.html"
    assert html.is_file()
    assert_self_contained(html.read_text())
    r = render(html, tmp_path / "example.png")
    assert r.console == []
    v = report["verify"]
    for sid in DEPLOY_SECTIONS:
        assert "<img" in section(r.dom, sid), sid          # every section has its plot: the example produced its data
    assert f"{v['bit_exact']}/{v['samples']}" in section(r.dom, "verdict")
    assert f"{report['latency']['cycles_median']:,}" in section(r.dom, "verdict")
    layers = section(r.dom, "layers")
    assert layers.count("<tr>") == len(report["compile"]["layers"]) + 1
    assert f"{report['arena']['arena_bytes']:,}" in section(r.dom, "arena")
    assert len(v["predictions"]) == v["samples"] and sum(p == t for p, t in zip(v["predictions"], v["labels"])) == round(v["accuracy"] * v["samples"])


@pytest.mark.sim
def test_demo_console_has_no_tensorflow_log_lines(deployed_example: Path) -> None:
    log = (deployed_example / "deploy.log").read_text()
    assert "bit-exact vs TFLM" in log and "report.html" in log
    assert tf_log_lines(log) == []


def test_verbose_shows_what_the_default_hides(example_dir: Path, tmp_path: Path) -> None:
    """A real quantize with --verbose: the pattern above finds TensorFlow's own lines there, so the
    demo console's silence (test above, same pattern) means something."""
    cmd = [sys.executable, "-m", "pipeline", "quantize", "--model", str(example_dir / "pruned.keras"),
           "--data", str(example_dir / "data.npz"), "--out", str(tmp_path / "q.tflite"), "--verbose"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert tf_log_lines(proc.stdout + proc.stderr), (proc.stdout + proc.stderr)[-2000:]
