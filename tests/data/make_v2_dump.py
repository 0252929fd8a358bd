"""Make tests/data/v2-*.sql: a version-2 database as syndicate made them before newsletters.

Run with the version-2 code (git archive of the commit before schema version 3) first on
PYTHONPATH: `python make_v2_dump.py SITE [POSTGRES_URL]`. Kept for the record; the dumps are
committed and the migration test reads them.
"""

import sqlite3
import subprocess
import sys
from pathlib import Path

from syndicate.config import load_settings
from syndicate.delivery import send_due
from syndicate.publishing import publish_files
from syndicate.store import open_store
from syndicate.subscribers import add_confirmed, import_csv, mark_bounced, unsubscribe

ARTICLE = """---
id: pier-lights
title: New lights for the north pier
date: 2025-03-02
tags: [Harbour]
---

The north pier gets new lamps this spring, paid for by the harbour fund.
"""

site = Path(sys.argv[1])
url = sys.argv[2] if len(sys.argv) > 2 else None
(site / "content").mkdir(parents=True)
config = '[site]\ntitle = "The Harbour Letter"\nbase_url = "https://news.example.com"\n'
if url:
    config += f'[database]\nurl = "{url}"\n'
(site / "syndicate.toml").write_text(config)
settings = load_settings(site, environ={})
engine = open_store(settings)
for n in range(4):
    add_confirmed(engine, settings, f"reader{n}@example.net", f"Reader {n}")
(site / "pending.csv").write_text("email,name\npending@example.net,Pat\n")
import_csv(engine, settings, site / "pending.csv")
(site / "content" / "pier.md").write_text(ARTICLE)
publish_files(settings, [site / "content" / "pier.md"])
send_due(engine, settings, limit=2)  # two sent, two still due
unsubscribe(engine, settings, "reader2@example.net", method="cli")
with engine.begin() as conn:
    mark_bounced(conn, 4, "550 5.1.1 no such mailbox")
engine.dispose()
out = Path(__file__).resolve().parent
if url:
    dump = subprocess.run(
        ["pg_dump", "--inserts", "--no-owner", "--no-privileges", url.replace("+psycopg", "")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    (out / "v2-postgresql.sql").write_text(dump)
else:
    db = sqlite3.connect(site / "syndicate.db")
    (out / "v2-sqlite.sql").write_text("\n".join(db.iterdump()) + "\n")
