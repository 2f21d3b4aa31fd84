"""The installed package, not the checkout: a wheel carries the shipped model and finds it as package data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO


def test_a_wheel_ships_the_model_and_an_installed_copy_finds_it_without_the_checkout(tmp_path: Path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(REPO), "-w", str(wheels)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("xxgk-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "extractor/models/default/model.safetensors" in names
    assert not any(n.startswith("tests/") for n in names)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = "from extractor.tagging.load import default_model_dir; print(default_model_dir())"
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    found = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    model_dir = Path(found.stdout.strip())
    assert model_dir.is_relative_to(site) and (model_dir / "manifest.json").is_file()
