"""The built wheel ships the templates and the package data, and works without the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(
    str(path.relative_to(ROOT / "templates"))
    for path in (ROOT / "templates" / "email").rglob("*.j2")
)

CHECK = """
import sys
from pathlib import Path
import syndicate
from syndicate.config import config_template, load_settings
from syndicate.model import Article, Paragraph
from syndicate.newsletter.render import render_issue
from syndicate.templating import packaged_templates

tree = Path(sys.argv[1]).resolve()
assert Path(syndicate.__file__).resolve().is_relative_to(tree), syndicate.__file__
assert packaged_templates() == tree / "syndicate" / "templates", packaged_templates()
article = Article("Tide tables", "tide-tables", (Paragraph("High water at noon.", "High water at noon."),))
rendered = render_issue(load_settings(sys.argv[2], environ={}), article)
assert "High water at noon." in rendered.html and "High water at noon." in rendered.text
assert config_template("Tide tables").startswith("# syndicate.toml: the settings of this site.")
print("rendered from the wheel")
"""


def test_wheel_ships_the_templates_and_renders_from_them(tmp_path: Path, site: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    [wheel] = wheels.glob("syndicate-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "tree")
    shipped = sorted(
        name.removeprefix("syndicate/templates/")
        for name in names
        if name.startswith("syndicate/templates/email/") and name.endswith(".j2")
    )
    assert TEMPLATES and shipped == TEMPLATES
    assert {"syndicate/config/template.toml", "syndicate/py.typed"} <= names
    assert any(".dist-info/" in name and name.endswith("/LICENSE") for name in names), names
    # Import syndicate from the unpacked wheel, away from the checkout (cwd, path).
    result = subprocess.run(
        [sys.executable, "-c", CHECK, str(tmp_path / "tree"), str(site)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "tree"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "rendered from the wheel"
