"""`greenledger` itself: --help lists the commands under who runs them, --version is greenledger's."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from click.testing import CliRunner

from ledger.cli import commands, main

HEADINGS = ("On the server", "As a party", "As an auditor")
BY_HEADING = {
    "On the server": ["serve", "db", "init", "demo", "rebuild", "parties", "tokens", "checkpoint-key", "export", "tiles", "witnesses", "report", "config"],
    "As a party": ["keys", "template", "sign", "submit", "verify-receipt", "import", "export-table"],
    "As an auditor": ["verify", "verify-report", "prove", "witness", "checkpoint"],
}


def _sections(help_text: str) -> dict[str, list[str]]:
    """The command names listed under each heading of a --help page."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in help_text.splitlines():
        if line.startswith(HEADINGS):
            current = next(h for h in HEADINGS if line.startswith(h))
            sections[current] = []
        elif current and line.startswith("  ") and line.strip():
            sections[current].append(line.split()[0])
        elif not line.strip():
            current = None
    return sections


@pytest.mark.parametrize("group", [main, commands], ids=["greenledger", "flask ledger"])
def test_help_lists_every_command_once_under_its_audience_with_a_summary(group, tmp_path):
    result = CliRunner().invoke(group, ["--help"], env={"LEDGER_HOME": str(tmp_path), "DATABASE_URL": None})
    assert result.exit_code == 0, result.output
    assert _sections(result.output) == BY_HEADING
    for line in result.output.splitlines():
        if line.startswith("  ") and line.split()[0] in {c for names in BY_HEADING.values() for c in names}:
            summary = line.split(None, 1)[1]
            assert summary.endswith(".") and not summary.endswith("..."), line  # a whole sentence, not cut off
    assert not (tmp_path / "pgdata").exists()  # listing the commands starts no database


@pytest.mark.parametrize("name", [c for names in BY_HEADING.values() for c in names])
def test_every_command_has_its_own_help(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: greenledger {name} ")


def test_version_is_greenledgers_own():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"greenledger {version('greenledger')}\n"
    assert "Flask" not in result.output


def test_the_readme_lists_the_commands_under_the_same_headings():
    """README's "Command line" tables follow --help, so a reader finds a command where the help puts it."""
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Command line\n", 1)[1].split("\n## ", 1)[0]
    listed: dict[str, list[str]] = {}
    for heading in HEADINGS:
        table = section.split(f"**{heading}**", 1)[1].split("\n\n", 2)[1]
        names = [re.match(r"\| `greenledger ([a-z-]+)", row).group(1) for row in table.splitlines()[2:]]
        listed[heading] = list(dict.fromkeys(names))
    assert listed == BY_HEADING
