"""The VS Code extension (clients/vscode) and the server agree: settings, YAML schemas, and the
client-side commands that the server's code lenses invoke. Runs with the Python tests; the
extension's own tests are in clients/vscode/test (unit) and tests/vscode/suite (real VS Code).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from codex_lsp.lsp.settings import Settings, parse_settings

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "clients" / "vscode"
MANIFEST = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
CLIENT_ONLY = ("codex.server.", "codex.trace.")


def contributed() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for section in MANIFEST["contributes"]["configuration"]:
        found.update(section["properties"])
    return found


def server_keys() -> dict[str, dict[str, Any]]:
    return {k: v for k, v in contributed().items() if not k.startswith(CLIENT_ONLY)}


def nested(key: str, value: Any) -> dict[str, Any]:
    """``codex.git.autoCommit`` = v  ->  {"git": {"autoCommit": v}} (the server's view)."""
    parts = key.split(".")[1:]
    raw: dict[str, Any] = {}
    cursor = raw
    for part in parts[:-1]:
        cursor = cursor.setdefault(part, {})
    cursor[parts[-1]] = value
    return raw


def leaves(value: Any) -> int:
    if dataclasses.is_dataclass(value):
        return sum(leaves(getattr(value, f.name)) for f in dataclasses.fields(value))
    return 1


def other_value(spec: dict[str, Any]) -> Any:
    """A valid value different from the default."""
    default = spec["default"]
    if "enum" in spec:
        return next(v for v in spec["enum"] if v != default)
    kind = spec["type"][0] if isinstance(spec["type"], list) else spec["type"]
    if kind == "boolean":
        return not default
    if kind == "integer":
        return spec.get("minimum", 0) + 1 if default != spec.get("minimum", 0) + 1 else default + 1
    if kind == "string":
        return "/tmp/codex-contract.log"
    raise AssertionError(f"no other value for {spec}")


@pytest.mark.parametrize("key", sorted(server_keys()))
def test_each_contributed_setting_is_read_by_the_server(key: str) -> None:
    spec = server_keys()[key]
    settings, warnings = parse_settings(nested(key, spec["default"]))
    assert warnings == [], f"{key}: the default {spec['default']!r} is refused: {warnings}"
    assert settings == Settings(), f"{key}: the contributed default differs from the server's"
    changed, warnings = parse_settings(nested(key, other_value(spec)))
    assert warnings == []
    assert changed != Settings(), f"{key} is contributed but the server ignores it"


def test_every_server_setting_is_contributed() -> None:
    assert len(server_keys()) == leaves(Settings()), (
        "clients/vscode/package.json must contribute every codex.* setting of "
        "server/codex_lsp/lsp/settings.py (with its description and default)"
    )


def test_the_whole_default_section_is_accepted() -> None:
    """What VS Code sends (every default, client keys included, `trace` removed) is clean."""
    raw: dict[str, Any] = {}
    for key, spec in contributed().items():
        if key.startswith("codex.trace."):
            continue
        section = nested(key, spec["default"])
        top, rest = next(iter(section.items()))
        if isinstance(rest, dict):
            raw.setdefault(top, {}).update(rest)
        else:
            raw[top] = rest
    settings, warnings = parse_settings(raw)
    assert warnings == []
    assert settings == Settings()


def test_yaml_schemas_are_contributed_and_match_the_files() -> None:
    validation = {v["fileMatch"]: v["url"] for v in MANIFEST["contributes"]["yamlValidation"]}
    assert set(validation) == {"**/.codex/config.yaml", "**/.codex/schema.yaml"}
    for url in validation.values():
        assert (EXTENSION / url).is_file(), url


def test_schema_yaml_schema_is_the_servers() -> None:
    ours = EXTENSION / "schemas" / "codex-schema.schema.json"
    servers = ROOT / "server" / "codex_lsp" / "core" / "data" / "codex-schema.schema.json"
    if not servers.exists():
        pytest.skip("the server ships no schema for schema.yaml")
    assert json.loads(ours.read_text()) == json.loads(servers.read_text()), (
        "run `npm run sync-schemas` in clients/vscode"
    )


def test_examples_and_templates_validate() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from codex_lsp.storage.config import CONFIG_TEMPLATE
    from codex_lsp.storage.workspace import SCHEMA_TEMPLATE

    config_schema = json.loads((EXTENSION / "schemas" / "codex-config.schema.json").read_text())
    schema_schema = json.loads((EXTENSION / "schemas" / "codex-schema.schema.json").read_text())
    example = ROOT / "examples" / "lab-notebook" / ".codex"
    cases = [
        (config_schema, yaml.safe_load(CONFIG_TEMPLATE)),
        (config_schema, yaml.safe_load((example / "config.yaml").read_text())),
        (schema_schema, yaml.safe_load(SCHEMA_TEMPLATE)),
        (schema_schema, yaml.safe_load((example / "schema.yaml").read_text())),
    ]
    for schema, document in cases:
        jsonschema.Draft7Validator.check_schema(schema)
        jsonschema.validate(document, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"exclude": [1], "max_file_size": 0}, config_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"excludes": []}, config_schema)
    table = {"ml": {"description": "Runs", "color": "blue"}, "assay/qpcr": "Quantitative PCR"}
    jsonschema.validate({"tags": table}, config_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"tags": {"ml": {"color": "chartreuse"}}}, config_schema)


def test_code_lens_commands_are_client_commands_of_the_extension() -> None:
    from codex_lsp.lsp.features import symbols

    lens_commands = {symbols.SHOW_BACKLINKS}
    try:
        from codex_lsp.lsp.features import history

        lens_commands.add(history.SHOW_HISTORY)
    except ImportError:  # git history not there yet
        pass
    source = (EXTENSION / "src" / "commands.ts").read_text(encoding="utf-8")
    contributed_commands = {c["command"] for c in MANIFEST["contributes"]["commands"]}
    for command in lens_commands:
        assert command in contributed_commands, command
        assert f"'{command}'" in source, f"{command} is not registered by the extension"
