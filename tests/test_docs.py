"""The documentation: the MkDocs site builds in strict mode (a broken link or anchor fails), and
the README stays a quick start whose commands exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not (ROOT / "mkdocs.yml").is_file(), reason="no mkdocs.yml beside the tests (an installed package)")
def test_site_builds_strict(tmp_path):
    pytest.importorskip("mkdocs")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "site" / "extending" / "index.html").is_file()


@pytest.mark.skipif(not (ROOT / "README.md").is_file(), reason="no README.md beside the tests")
def test_readme_is_a_quick_start_with_real_commands():
    from ssaser.cli.main import SUBCOMMAND_MODULES

    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 150
    shell = "\n".join(re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL))
    used = set(re.findall(r"(?:^|&& )ssaser (\w+)", shell, flags=re.MULTILINE))
    assert used and used <= set(SUBCOMMAND_MODULES)
    for page in re.findall(r"\]\((docs/[\w-]+\.md)\)", text):
        assert (ROOT / page).is_file(), page
