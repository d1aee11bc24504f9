"""`clientbook clients import|export`: CSV in with the POST rules, CSV out as list items."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from clientbook import cli
from clientbook.config import Settings
from clientbook.domain import csv_rows
from tests.api.support import BASE
from tests.factories import Tenant

MESSY = """\
first_name,last_name,email,phone,address,tags,status,opt_in,opt_in_transactional_sms,staff_id
Zoë,Ångström,zoe@example.com,+1 202 555 0101,"1 Rue de l'Église
Paris",vip; gold,customer,1,true,
Ada,Lovelace,not-an-email,,,,,,,
   ,Blank,blank@example.com,,,,,,,
Grace,Hopper,ZOE@example.com,,,,,,,
Alan,Turing,alan@example.com,,,,vip,,,
日本,太郎,,+81 3 1234 5678,,,,,,
日本,太郎,,+81 3 1234 5678,,,,,,
Ken,Thompson,ken@example.com,,,,,,maybe,
Edsger,Dijkstra,edsger@example.com,,,,,,,{staff}
Barbara,Liskov,barbara@example.com,,,,,,,nostaff000000000
Donald,Knuth,donald@example.com,,,,,,,,one-cell-too-many
"""
REJECTED = [
    {
        "row": 3,
        "reason": "Validation failed: Email is invalid",
        "errors": {"email": ["is invalid"]},
    },
    {
        "row": 4,
        "reason": "Validation failed: First name can't be blank",
        "errors": {"first_name": ["can't be blank"]},
    },
    {
        "row": 6,
        "reason": "Validation failed: Status is not included in the list",
        "errors": {"status": ["is not included in the list"]},
    },
    {
        "row": 9,
        "reason": "Validation failed: Opt in transactional sms must be a boolean",
        "errors": {"opt_in_transactional_sms": ["must be a boolean"]},
    },
    {
        "row": 11,
        "reason": "Validation failed: Staff id is invalid",
        "errors": {"staff_id": ["is invalid"]},
    },
    {"row": 12, "reason": "has 1 more cell(s) than the header has columns"},
]
EMAIL_DUPLICATE = "duplicate: a client with this email already exists"
NAME_DUPLICATE = (
    "duplicate: a client without email with this first name, last name and phone exists"
)


def _run(settings: Settings, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main([*args, "--database-url", settings.database_url])
    out, _err = capsys.readouterr()
    return code, out


def _import(
    settings: Settings, capsys: pytest.CaptureFixture[str], path: Path, business: str, *flags: str
) -> tuple[int, dict[str, Any]]:
    code, out = _run(
        settings, capsys, "clients", "import", str(path), "--business", business, *flags
    )
    return code, json.loads(out)


def _export(
    settings: Settings, capsys: pytest.CaptureFixture[str], business: str
) -> list[dict[str, str]]:
    code, out = _run(settings, capsys, "clients", "export", "--business", business)
    assert code == 0
    reader = csv.DictReader(io.StringIO(out))
    assert tuple(reader.fieldnames or ()) == csv_rows.EXPORT_COLUMNS
    return list(reader)


@pytest.fixture
def messy(tmp_path: Path, tenant: Tenant) -> Path:
    path = tmp_path / "messy.csv"
    path.write_text(MESSY.replace("{staff}", tenant.staff_uid), encoding="utf-8")
    return path


def test_messy_file_imports_good_rows_and_reports_the_rest(
    settings: Settings, tenant: Tenant, messy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = _import(settings, capsys, messy, tenant.business_uid)

    assert code == 2  # some rows were rejected
    assert report["rejected"] == REJECTED
    assert report["duplicates"] == [
        {"row": 5, "reason": EMAIL_DUPLICATE},
        {"row": 8, "reason": NAME_DUPLICATE},
    ]
    assert (report["rows"], report["imported"]) == (11, 3)
    exported = _export(settings, capsys, tenant.business_uid)
    assert [c["first_name"] for c in exported] == ["Zoë", "日本", "Edsger"]
    zoe = exported[0]
    assert zoe["last_name"] == "Ångström"
    assert zoe["address"] == "1 Rue de l'Église\nParis"
    assert zoe["tags"] == "vip; gold"
    assert (zoe["customer_status"], zoe["opt_in"], zoe["normalized_phone"]) == (
        "customer",
        "1",
        "+12025550101",
    )
    assert zoe["source"] == "Initiated by import"
    assert exported[2]["staff_id"] == tenant.staff_uid


def test_import_twice_is_idempotent(
    settings: Settings, tenant: Tenant, messy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _import(settings, capsys, messy, tenant.business_uid)
    first = _export(settings, capsys, tenant.business_uid)

    code, report = _import(settings, capsys, messy, tenant.business_uid)

    assert code == 2
    assert report["imported"] == 0
    assert report["rejected"] == REJECTED
    assert [d["row"] for d in report["duplicates"]] == [2, 5, 7, 8, 10]
    assert _export(settings, capsys, tenant.business_uid) == first


def test_dry_run_reports_the_same_and_writes_nothing(
    settings: Settings, tenant: Tenant, messy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = _import(settings, capsys, messy, tenant.business_uid, "--dry-run")

    assert code == 2
    assert report["dry_run"] is True
    assert report["imported"] == 3
    assert report["rejected"] == REJECTED
    assert _export(settings, capsys, tenant.business_uid) == []


def test_many_batches_keep_file_order_and_find_duplicates_across_batches(
    settings: Settings, tenant: Tenant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "many.csv"
    lines = ["first_name,email"] + [f"N{n},n{n % 1100}@example.com" for n in range(1200)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    code, report = _import(settings, capsys, path, tenant.business_uid)

    assert code == 0
    assert (report["imported"], report["duplicate_count"]) == (1100, 100)
    assert report["duplicates"][0] == {"row": 1102, "reason": EMAIL_DUPLICATE}
    exported = _export(settings, capsys, tenant.business_uid)
    assert [c["first_name"] for c in exported] == [f"N{n}" for n in range(1100)]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("first_name,emial\nAda,a@example.com\n", "unknown column 'emial'"),
        ("last_name\nLovelace\n", "a first_name column is required"),
        ("first_name,first_name\nA,B\n", "column 'first_name' appears more than once"),
        ("", "the file is empty"),
    ],
)
def test_a_file_with_a_bad_header_is_refused_whole(
    settings: Settings,
    tenant: Tenant,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    error: str,
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")

    code = cli.main(
        [
            "clients",
            "import",
            str(path),
            "--business",
            tenant.business_uid,
            "--database-url",
            settings.database_url,
        ]
    )

    assert code == 1
    assert error in json.loads(capsys.readouterr().err.splitlines()[-1])["error"]
    assert _export(settings, capsys, tenant.business_uid) == []


def test_a_file_that_is_not_utf8_is_refused(
    settings: Settings, tenant: Tenant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("first_name\nZoë\n".encode("latin-1"))
    code = cli.main(
        [
            "clients",
            "import",
            str(path),
            "--business",
            tenant.business_uid,
            "--database-url",
            settings.database_url,
        ]
    )
    assert code == 1
    assert "not UTF-8" in capsys.readouterr().err


def test_unknown_business_is_refused(
    settings: Settings, messy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (["import", str(messy)], ["export"]):
        code = cli.main(
            [
                "clients",
                *args,
                "--business",
                "nosuchbusiness00",
                "--database-url",
                settings.database_url,
            ]
        )
        assert code == 1
        assert "unknown business" in capsys.readouterr().err


def test_export_rows_are_the_list_items_of_the_api(
    settings: Settings,
    tenant: Tenant,
    asgi_client: TestClient,
    messy: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _import(settings, capsys, messy, tenant.business_uid)
    made = asgi_client.post(
        BASE, json={"first_name": "Via", "tags": "a,b"}, headers=tenant.headers()
    )
    gone = asgi_client.post(BASE, json={"first_name": "Gone"}, headers=tenant.headers())
    asgi_client.delete(f"{BASE}/{gone.json()['data']['client']['id']}", headers=tenant.headers())
    assert made.status_code == 201

    listed = asgi_client.get(BASE, params={"per_page": 100}, headers=tenant.headers())
    items = listed.json()["data"]["clients"]

    expected = [
        {k: csv_rows.export_cell(item[k]) for k in csv_rows.EXPORT_COLUMNS} for item in items
    ]
    assert _export(settings, capsys, tenant.business_uid) == expected
    assert [c["first_name"] for c in expected][-1] == "Via"
