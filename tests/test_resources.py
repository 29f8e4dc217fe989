"""Where presets, profiles, samples and outputs are: in a checkout and installed."""

from pathlib import Path

import pytest

from prosthetics import resources
from prosthetics.cli.main import main
from prosthetics.design import list_presets

ROOT = Path(__file__).resolve().parent.parent


def test_a_checkout_uses_its_own_folders():
    assert resources.checkout_root() == ROOT
    assert resources.templates_dir() == ROOT / "templates"
    assert resources.sample_scan() == ROOT / "scans" / "transtibial_phone.ply"
    assert resources.exports_dir() == ROOT / "exports"


def test_installed_outputs_go_to_the_current_folder(tmp_path, monkeypatch):
    # As in site-packages: no pyproject.toml beside the package.
    monkeypatch.setattr(resources, "_PARENT", tmp_path / "site-packages")
    monkeypatch.chdir(tmp_path)
    assert resources.checkout_root() is None
    assert resources.exports_dir() == tmp_path / "exports"
    assert resources.templates_dir().parts[-2:] == ("prosthetics", "presets")
    assert resources.samples_dir().parts[-2:] == ("prosthetics", "samples")


def test_a_clinic_presets_folder_replaces_the_shipped_one(tmp_path, monkeypatch, capsys):
    (tmp_path / "clinic_tt.toml").write_text(
        (ROOT / "templates" / "transtibial.toml").read_text().replace(
            'name = "transtibial"', 'name = "clinic_tt"'))
    monkeypatch.setenv(resources.TEMPLATES_ENV_VAR, str(tmp_path))
    assert list(list_presets()) == ["clinic_tt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv(resources.TEMPLATES_ENV_VAR, str(empty))
    assert main(["design", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no presets found in" in err[0]
    assert resources.TEMPLATES_ENV_VAR in err[0]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("name", ["transtibial_phone.ply", "foot_phone.ply"])
def test_samples_that_the_wheel_ships_exist(name):
    assert resources.sample_scan(name).is_file()
