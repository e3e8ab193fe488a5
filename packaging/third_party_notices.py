"""Write THIRD_PARTY_NOTICES.txt from the installed distributions' own licence files (services/notices.py): run by
packaging/build.sh with the build venv's Python, so the notices match exactly what PyInstaller bundles.

    python packaging/third_party_notices.py OUTPUT
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from photo_tagger.services import notices  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    output = Path(argv[0])
    output.parent.mkdir(parents=True, exist_ok=True)
    text = notices.render_notices()
    output.write_text(text, encoding="utf-8")
    print(f"third_party_notices: {output} ({len(text) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
