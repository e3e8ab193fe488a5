"""CI runs exactly the test command the README gives users."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text().splitlines()
    commands = [line for line in readme[:12] if line.startswith("python3 -m venv")]
    assert len(commands) == 2, "the README's first lines give the app command and the test command"
    assert commands[1] in (REPO / ".ci" / "run").read_text()


def test_every_file_the_development_section_names_exists():
    import re

    development = (REPO / "README.md").read_text().split("## Development", 1)[1]
    named = re.findall(r"`(photo_tagger/[\w/]+\.py)`", development)
    assert len(named) >= 10 and [p for p in named if not (REPO / p).is_file()] == []
