"""Backups restore: backup → restore into an empty database → the same rows, the same audit head, the same
evidence; a tampered archive or a non-empty target is refused. Runs on SQLite and on PostgreSQL."""

import json
import subprocess
import tarfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from chuxin.orgs.models import Unit
from chuxin.problems import actions

from .conftest import make_item


@pytest.fixture
def target(tmp_path):
    """An empty database of the same kind as the suite's, and its URL."""
    cfg = connection.settings_dict
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"{cfg['NAME']}_restore"[:63]
    base = [
        "-h",
        cfg.get("HOST") or "127.0.0.1",
        "-p",
        str(cfg.get("PORT") or 5432),
        "-U",
        cfg.get("USER") or "postgres",
    ]
    subprocess.run(["dropdb", *base, "--if-exists", name], check=True)
    subprocess.run(["createdb", *base, name], check=True)
    yield f"postgres://{cfg.get('USER') or 'postgres'}@{cfg.get('HOST') or '127.0.0.1'}:{cfg.get('PORT') or 5432}/{name}"
    subprocess.run(["dropdb", *base, "--if-exists", "--force", name], check=False)


@pytest.fixture
def with_evidence(county_staff, django_db_blocker):
    item = make_item("440604")
    actions.do_claim_item(
        item, "完成", [SimpleUploadedFile("报告.pdf", b"%PDF-1.4 backed up")], acting_user=county_staff
    )
    return item


def _manifest(archive):
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("manifest.json"))


def test_backup_then_restore_gives_the_same_rows_audit_head_and_files(
    with_evidence, target, tmp_path, capsys
):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive))
    manifest = _manifest(archive)
    assert manifest["counts"]["orgs_unit"] > 100 and manifest["audit_head"]["seq"] >= 1
    assert len(manifest["files"]) == len(manifest.get("files")) and manifest["vendor"] == connection.vendor
    media = tmp_path / "restored-media"
    call_command("restore", str(archive), "--database-url", target, "--media-root", str(media))
    out = capsys.readouterr().out
    assert "restored and verified" in out
    for sha in manifest["files"].values():
        assert (media / "evidence" / sha[:2] / sha[2:4] / sha).exists()


def test_the_manifest_counts_the_rows_of_every_table(with_evidence, tmp_path):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive))
    m = _manifest(archive)
    assert m["counts"]["orgs_unit"] == Unit.objects.count()
    assert {"audit_auditentry", "audit_audithead", "problems_evidenceblob", "django_migrations"} <= set(
        m["counts"]
    )


def test_a_tampered_archive_is_refused_before_anything_is_written(with_evidence, target, tmp_path):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive))
    unpacked = tmp_path / "x"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    m = json.loads((unpacked / "manifest.json").read_text())
    m["counts"]["orgs_unit"] += 1  # a manifest that does not describe its dump
    (unpacked / "manifest.json").write_text(json.dumps(m))
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(forged, "w:gz") as tar:
        for p in sorted(unpacked.rglob("*")):
            tar.add(p, arcname=str(p.relative_to(unpacked)), recursive=False)
    with pytest.raises(CommandError, match="orgs_unit"):
        call_command("restore", str(forged), "--database-url", target, "--media-root", str(tmp_path / "m"))


def test_any_changed_file_in_the_archive_is_refused(with_evidence, target, tmp_path):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive))
    unpacked = tmp_path / "x"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    victims = [p for p in unpacked.rglob("*") if p.is_file() and p.name != "manifest.json"]
    assert any(p.name.startswith("database.") for p in victims)
    for victim in victims:  # the dump, and every evidence file the snapshot holds
        original = victim.read_bytes()
        victim.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        forged = tmp_path / "forged.tar.gz"
        with tarfile.open(forged, "w:gz") as tar:
            for p in sorted(unpacked.rglob("*")):
                tar.add(p, arcname=str(p.relative_to(unpacked)), recursive=False)
        with pytest.raises(CommandError, match="SHA-256"):
            call_command(
                "restore", str(forged), "--database-url", target, "--media-root", str(tmp_path / "m")
            )
        victim.write_bytes(original)


def test_restore_refuses_a_database_that_is_not_empty(with_evidence, target, tmp_path):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive))
    call_command("restore", str(archive), "--database-url", target, "--media-root", str(tmp_path / "m"))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), "--database-url", target, "--media-root", str(tmp_path / "m"))
