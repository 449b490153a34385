"""report.html from synthetic report.json documents (every section, missing sections, bench, float),
opened in headless Chromium: rendered, screenshotted, no script errors, each section present."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.report.html import write_report_html
from tests import report_fixtures as fx
from tests.browser import chromium, render

needs_chromium = pytest.mark.skipif(chromium() is None, reason="Debian chromium not installed (scripts/setup.sh installs it)")
DEPLOY_SECTIONS = ("verdict", "layers", "arena", "confusion")


def write(tmp_path: Path, name: str, report: dict) -> Path:
    d = tmp_path / name
    d.mkdir()
    (d / "report.json").write_text(json.dumps(report))
    return write_report_html(d / "report.json").path


def section(dom: str, sid: str) -> str:
    m = re.search(rf'<section id="{sid}".*?</section>', dom, re.S)
    assert m, f"section {sid} missing"
    return m.group(0)


def assert_self_contained(html: str) -> None:
    assert not re.search(r'(src|href)="(https?:)?//', html), "the page fetches something over the network"
    assert "@import" not in html and "url(http" not in html


@needs_chromium
def test_browser_check_sees_a_script_error(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<html><body><p>x</p><script>notDefinedAnywhere();</script></body></html>")
    r = render(page, tmp_path / "broken.png")
    assert any("Uncaught ReferenceError" in m for m in r.console)


@needs_chromium
def test_full_deploy_report_renders_every_section(tmp_path: Path) -> None:
    html = write(tmp_path, "full", fx.full_deploy_report())
    assert_self_contained(html.read_text())
    r = render(html, tmp_path / "full.png")
    assert r.console == []
    assert r.screenshot.stat().st_size > 20_000
    for sid in DEPLOY_SECTIONS:
        body = section(r.dom, sid)
        assert "<img" in body, sid
        assert 'class="missing"' not in body, sid
    verdict = section(r.dom, "verdict")
    assert "118/120" in verdict and "bit-exact vs TFLM" in verdict
    assert "95.0%" in verdict and "97.5%" in verdict and "96.1%" in verdict   # int8 on device, float, pruned
    assert "1,560,000" in verdict and "9,100 B" in verdict                   # latency, flash saved by sparsity
    assert "int8 weights 5,292 B" in verdict and "firmware 9,480 B smaller, measured" in verdict
    layers = section(r.dom, "layers")
    assert "700,000" in layers and "38.0" in layers          # conv2's cycles and cycles/MAC from the profile
    assert "csr-u8" in layers and "2,900" in layers           # the sparsity report's encoding and stored bytes
    assert layers.count("<tr>") == len(fx.OPS) + 1          # header + one row per op
    arena = section(r.dom, "arena")
    assert "2,048" in arena and "3,400" in arena and "pool1" in arena
    confusion = section(r.dom, "confusion")
    assert "First mismatches" in confusion and ">33<" in confusion


@needs_chromium
def test_sections_without_data_say_so(tmp_path: Path) -> None:
    html = write(tmp_path, "minimal", fx.minimal_deploy_report())
    r = render(html, tmp_path / "minimal.png")
    assert r.console == []
    assert "100/100" in section(r.dom, "verdict")
    assert "No accuracy" in section(r.dom, "verdict")
    assert "No per-layer data" in section(r.dom, "layers")
    assert "No memory map" in section(r.dom, "arena")
    conf = section(r.dom, "confusion")
    assert "No confusion matrix" in conf and "<img" not in conf and "matched TFLM" in conf


@needs_chromium
def test_float_model_without_profile(tmp_path: Path) -> None:
    """A float model states its tolerance instead of bit-exact; with no profile the cycles stay blank and say why."""
    report = fx.float_deploy_report()
    del report["profile"]
    r = render(write(tmp_path, "float", report), tmp_path / "float.png")
    verdict = section(r.dom, "verdict")
    assert "4 ULP" in verdict and "within tolerance" in verdict and "bit-exact vs TFLM" not in verdict
    layers = section(r.dom, "layers")
    assert "No per-layer cycles" in layers and "700,000" not in layers


@needs_chromium
@pytest.mark.parametrize("with_tflm", [True, False])
def test_bench_report_ours_against_tflm(tmp_path: Path, with_tflm: bool) -> None:
    html = write(tmp_path, "bench", fx.bench_report(with_tflm))
    r = render(html, tmp_path / "bench.png")
    assert r.console == []
    bench = section(r.dom, "bench")
    assert "ad01_int8" in bench and "kws_ref_model" in bench and "<img" in bench
    if with_tflm:
        assert "39,479,585" in bench and "2.05×" in bench and 'class="missing"' not in bench
        assert "<img" in section(r.dom, "layers")
    else:
        assert "No TFLM cycles" in bench and "No per-layer profile" in section(r.dom, "layers")


def test_report_command_rebuilds_from_report_json_alone(tmp_path: Path) -> None:
    html = write(tmp_path, "cli", fx.full_deploy_report())
    first = html.read_text()
    html.unlink()
    assert main(["report", str(html.parent)]) == 0
    assert html.read_text() == first                      # the same page, byte for byte: report.json is all it needs
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    (tmp_path / "bad.json").write_text("{}")
    assert main(["report", str(tmp_path / "bad.json")]) == 2
