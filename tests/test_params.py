"""Parameter dataclasses, --set parsing and presets."""

import dataclasses

import pytest

from prosthetics.design.presets import describe_parameters, list_presets, load_preset
from prosthetics.design.registry import BUILDERS
from prosthetics.design.session import parameter_groups, resolve_template
from prosthetics.errors import ParameterError
from prosthetics.params import apply_settings, param_infos, parse_set_options
from prosthetics.sockets.transtibial import TranstibialParams


def test_defaults_and_units_in_names():
    p = TranstibialParams()
    assert p.wall_thickness_mm == 5.0 and p.reduction_percent == 4.0 and p.liner_offset_mm == 0.0
    for name, (_f, info) in param_infos(p).items():
        # Every length is named _mm, every angle _deg, every share _percent.
        if info.unit == "mm":
            assert name.endswith("_mm"), name
        if info.unit == "deg":
            assert name.endswith("_deg"), name
        if info.unit == "%":
            assert name.endswith("_percent"), name


def test_frozen_and_validated():
    p = TranstibialParams()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.wall_thickness_mm = 3.0
    with pytest.raises(ParameterError, match=r"wall_thickness_mm = 50 mm is outside its range \[2, 12\]"):
        TranstibialParams(wall_thickness_mm=50.0)
    with pytest.raises(ParameterError, match="finite"):
        TranstibialParams(wall_thickness_mm=float("nan"))
    with pytest.raises(ParameterError, match="adapter_bolt_circle_radius_mm"):
        TranstibialParams(adapter_bolt_circle_radius_mm=29.0)
    with pytest.raises(ParameterError, match="adapter_recess_diameter_mm"):
        TranstibialParams(adapter_recess_diameter_mm=40.0)


def test_set_options_reach_every_group():
    groups = parameter_groups(resolve_template("transtibial"),
                              parse_set_options(["wall_thickness_mm=6", "voxel_size_mm=2",
                                                 "anterior_rotation_deg=-30", "slice=no",
                                                 "trim_height_mm=auto", "reconstruct=always"]))
    assert groups["template"].wall_thickness_mm == 6.0
    assert groups["clean"].voxel_size_mm == 2.0
    assert groups["align"].anterior_rotation_deg == -30.0
    assert groups["export"].slice is False
    assert groups["template"].trim_height_mm is None
    assert groups["clean"].reconstruct.value == "always"


@pytest.mark.parametrize("item, message", [
    ("wall_thickness=5", "did you mean wall_thickness_mm"),
    ("nonsense_key=1", "unknown parameter 'nonsense_key'"),
    ("wall_thickness_mm=thick", "not a valid float"),
    ("reconstruct=sometimes", "one of: auto, always, never"),
    ("slice=maybe", "not a valid bool"),
])
def test_bad_settings(item, message):
    with pytest.raises(ParameterError, match=message):
        parameter_groups(resolve_template("transtibial"), parse_set_options([item]))


def test_set_syntax():
    with pytest.raises(ParameterError, match="KEY=VALUE"):
        parse_set_options(["wall_thickness_mm"])
    assert parse_set_options([" a = 1 ", "b=x=y"]) == {"a": "1", "b": "x=y"}


def test_presets_are_data_and_valid():
    presets = list_presets()
    assert {"transtibial", "transtibial_active", "transtibial_skin"} <= set(presets)
    for preset in presets.values():
        groups = parameter_groups(preset)          # every preset value is valid
        assert preset.builder in BUILDERS
        assert set(preset.parameters) <= {r["name"] for r in describe_parameters(groups)}
    active = parameter_groups(presets["transtibial_active"])
    assert active["template"].wall_thickness_mm == 6.0


def test_preset_unknown_key_is_named(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nbuilder = "transtibial"\n[parameters]\nwall_thicknes_mm = 5\n')
    with pytest.raises(ParameterError, match="wall_thicknes_mm"):
        parameter_groups(load_preset(bad))
    bad.write_text('name = "bad"\nbuilder = "transtibial"\ncolour = "red"\n')
    with pytest.raises(ParameterError, match="unknown key 'colour'"):
        load_preset(bad)
    bad.write_text('name = "bad"\nbuilder = "boat"\n')
    with pytest.raises(ParameterError, match="builder 'boat'"):
        load_preset(bad)
    with pytest.raises(ParameterError, match="unknown template 'nope'"):
        resolve_template("nope")


def test_apply_settings_keeps_unchanged_groups():
    groups = {"template": TranstibialParams()}
    out = apply_settings(groups, {})
    assert out["template"] is groups["template"]
