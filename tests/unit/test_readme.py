"""CI runs exactly the test command the README gives users."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text().splitlines()
    commands = [line for line in readme[:12] if line.startswith("python3 -m venv")]
    assert len(commands) == 2, "the README's first lines give the app command and the test command"
    assert commands[1] in (REPO / ".ci" / "run").read_text()
