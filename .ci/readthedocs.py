"""Read the Docs entry point: build every format with bookext.publish and place it where Read the Docs serves it."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bookext import publish  # noqa: E402

output = Path(os.environ["READTHEDOCS_OUTPUT"])
epub = publish.build_epub(publish.check_call)
pdf = publish.build_pdf(publish.check_call)
html = publish.build_html(publish.check_call)
shutil.copytree(html, output / "html", dirs_exist_ok=True)
for artifact, kind in ((pdf, "pdf"), (epub, "epub")):
    (output / kind).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(artifact, output / kind / artifact.name)
