"""Backup and restore of a whole theodoi installation in one file, whatever the database.

A backup is a ZIP file: one JSON Lines member per model (``data/<app>.<model>.jsonl``, written
row by row so a large database never sits in memory), the uploaded files under MEDIA_ROOT
(``media/...``) and ``manifest.json``: the format, theodoi's version, the migrations applied
to each app, the row count of each model and the SHA-256 of every member. Primary keys are
kept; content types and permissions, which ``migrate`` recreates, are referred to by their
natural keys. Sessions are left out: they are short-lived sign-ins, not data.

``signature.json`` signs the manifest (and through its hashes every member) with an HMAC made
from the installation's secret key (``SECRET_KEY``: THEODOI_SECRET_KEY, or the data folder's
key). Hashes alone show damage, not intent: anyone can edit a row and recompute them. Without
the key nobody can sign again, so a restore refuses a file edited after it was made, and one
signed by another installation unless its key is given (``key_file``: a deliberate transfer) or
the operator waives the check (``trust_unsigned``: a backup from before signatures, or one
whose key is lost). A signature that a given key can check must match: nothing waives that.

A restore checks the whole file before it touches anything, brings an empty database to the
backup's migration state, loads every row in one transaction with the models as they were at
that state, then migrates the rest of the way, so a backup made by an older theodoi restores
into a newer one. A backup newer than the code is refused.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import io
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from django.apps import apps as global_apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers import base as serializer_base
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Deserializer as JsonlDeserializer
from django.core.serializers.jsonl import Serializer as JsonlSerializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

import theodoi
from theodoi.private import FILE, private_folder
from theodoi.tracking.append_only import TABLES as APPEND_ONLY
from theodoi.tracking.evidence import stored_names

FORMAT = "theodoi-backup/1"
MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
SIGNING = "HMAC-SHA256"
# Rows migrate makes itself (referred to by natural key), and sign-ins that should not outlive
# the installation they were made on.
NOT_SAVED = {"contenttypes.contenttype", "auth.permission", "sessions.session"}
NATURAL = {"contenttypes.contenttype", "auth.permission"}
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, for a person."""


@dataclass
class Summary:
    """What a backup wrote or a restore loaded."""

    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    replaced: dict[str, int] = field(default_factory=dict)
    # A backup: the signing key's id; a restore: how the signature was checked.
    signature: str = ""

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class _Encoder(DjangoJSONEncoder):
    """Dates and times in full: Django's encoder cuts microseconds to milliseconds, which
    would change every timestamp on a round trip."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class _Serializer(JsonlSerializer):
    """JSON Lines with natural keys only for content types and permissions (their ids differ
    between databases); every other reference stays a primary key, as stored."""

    def handle_fk_field(self, obj, field) -> None:
        self.use_natural_foreign_keys = field.remote_field.model._meta.label_lower in NATURAL
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field) -> None:
        """Left out: many-to-many tables are saved as tables of their own, ids included."""


class _Deserializer(JsonlDeserializer):
    """Rows built with the models of a given migration state (the backup's), not the code's."""

    def __init__(self, stream, *, state_apps, **options) -> None:
        self.state_apps = state_apps
        super().__init__(stream, **options)

    def _natural(self, field, value):
        """The id, in this database, of a content type or permission named by natural key
        (looked up with the code's models: the historical ones lack the managers' lookups)."""
        label = field.remote_field.model._meta.label_lower
        if label not in NATURAL or not isinstance(value, list | tuple):
            return None
        key = (label, tuple(value))
        cache = self.__dict__.setdefault("_natural_ids", {})
        if key not in cache:
            model = global_apps.get_model(label)
            cache[key] = model._default_manager.db_manager(self.using).get_by_natural_key(*value).pk
        return cache[key]

    def _handle_fk_field_node(self, field, field_value):
        natural = self._natural(field, field_value)
        return natural if natural is not None else super()._handle_fk_field_node(field, field_value)

    def _get_model_from_node(self, model_identifier):
        try:
            return self.state_apps.get_model(model_identifier)
        except (LookupError, TypeError) as error:
            raise serializer_base.DeserializationError(
                f"Invalid model identifier: {model_identifier}"
            ) from error


class _HashingWriter(io.RawIOBase):
    """Writes to a ZIP member and keeps the SHA-256 and size of what went through."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.target.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)


def _signing_key(secret: str) -> bytes:
    """A key for backups alone, derived from the secret key, so a signature made here can
    never be passed off as a session's or a CSRF token's (which Django signs with the key)."""
    return hmac.new(
        secret.encode("utf-8"), b"theodoi-backup/1 signing key", hashlib.sha256
    ).digest()


def key_id(secret: str) -> str:
    """A short name of a key, written beside the signature, that tells 'signed by another
    installation' from 'changed after signing' without revealing the key."""
    return hmac.new(_signing_key(secret), b"key id", hashlib.sha256).hexdigest()[:16]


def sign_manifest(manifest: bytes, *, secret: str) -> dict:
    """The contents of ``signature.json`` for the manifest's exact bytes."""
    mac = hmac.new(_signing_key(secret), manifest, hashlib.sha256).hexdigest()
    return {"algorithm": SIGNING, "key": key_id(secret), "signature": mac}


def saved_models() -> list[type[models.Model]]:
    """The models a backup holds: every concrete, managed model of every app, many-to-many
    tables included (with their own ids), in a stable order."""
    chosen = [
        model
        for model in global_apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in NOT_SAVED
    ]
    return sorted(chosen, key=lambda model: model._meta.label_lower)


def _applied_migrations(connection) -> dict[str, list[str]]:
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    state: dict[str, list[str]] = {}
    for app_label, name in sorted(loader.applied_migrations):
        state.setdefault(app_label, []).append(name)
    return state


def _media_files(root: Path) -> Iterator[tuple[Path, str]]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, "media/" + path.relative_to(root).as_posix()


def backup(target: Path | str, *, using: str = DEFAULT_DB_ALIAS) -> Summary:
    """Write the database and the uploaded files to ``target``, signed with the secret key.
    The file appears only when complete: it is written beside it under a temporary name and
    renamed at the end; it and any folder made for it are readable by their owner only."""
    target = Path(target).resolve()
    private_folder(target.parent)
    connection = connections[using]
    summary = Summary()
    manifest: dict = {
        "format": FORMAT,
        "theodoi": theodoi.__version__,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "database": connection.vendor,
        "migrations": _applied_migrations(connection),
        "models": {},
        "files": {},
    }
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(descriptor)
    try:
        with (
            _snapshot(connection),
            zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
        ):
            for model in saved_models():
                label = model._meta.label_lower
                member = f"data/{label}.jsonl"
                rows = model._base_manager.using(using).order_by("pk")
                with archive.open(member, "w", force_zip64=True) as raw:
                    writer = _HashingWriter(raw)
                    text = io.TextIOWrapper(writer, encoding="utf-8", newline="\n")
                    counter = _Counter(rows.iterator(chunk_size=2000))
                    _Serializer().serialize(counter, stream=text, cls=_Encoder)
                    text.flush()
                    text.detach()
                manifest["models"][label] = {"member": member, "rows": counter.count}
                manifest["files"][member] = {
                    "sha256": writer.sha256.hexdigest(),
                    "size": writer.size,
                }
                summary.rows[label] = counter.count
            # Only files a row refers to, read in the same snapshot: never an orphan left by
            # a process killed between writing a file and committing its row.
            referenced = {f"media/{name}" for name in stored_names()}
            for path, member in _media_files(Path(settings.MEDIA_ROOT)):
                if member not in referenced:
                    continue
                with path.open("rb") as source, archive.open(member, "w", force_zip64=True) as raw:
                    writer = _HashingWriter(raw)
                    shutil.copyfileobj(source, writer, CHUNK)
                manifest["files"][member] = {
                    "sha256": writer.sha256.hexdigest(),
                    "size": writer.size,
                }
                summary.files += 1
            manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            archive.writestr(MANIFEST, manifest_bytes)
            signature = sign_manifest(manifest_bytes, secret=settings.SECRET_KEY)
            archive.writestr(SIGNATURE, json.dumps(signature, indent=1))
            summary.signature = signature["key"]
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return summary


@contextlib.contextmanager
def _snapshot(connection) -> Iterator[None]:
    """One consistent picture of every table for the whole backup, without holding up the
    people working meanwhile: PostgreSQL's repeatable read; on SQLite a deferred read
    transaction (WAL), not the IMMEDIATE write lock theodoi's transactions take."""
    if connection.in_atomic_block:  # already inside a transaction (the tests): its picture
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")  # nothing was written
    else:
        with transaction.atomic(using=connection.alias):
            yield


class _Counter:
    """Counts the rows an iterator hands to the serializer."""

    def __init__(self, rows: Iterator) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator:
        for row in self.rows:
            self.count += 1
            yield row


# -- restore ---------------------------------------------------------------------------------


def _refuse(path: Path, message: str) -> BackupError:
    return BackupError(_("%(file)s: %(message)s") % {"file": path, "message": message})


def read_key_file(path: Path | str) -> str:
    """The secret key kept in a file (another installation's THEODOI_SECRET_KEY_FILE or its
    data folder's ``secret-key``), for ``restore(key_file=...)``. Raises BackupError."""
    path = Path(path)
    try:
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or _("không phải tệp văn bản")
        raise _refuse(path, _("không đọc được khóa (%(reason)s).") % {"reason": reason}) from None
    if not key:
        raise _refuse(path, _("không đọc được khóa (tệp trống)."))
    return key


def _check_signature(
    path: Path, manifest: bytes, signature: bytes | None, *, keys: dict[str, str], trust: bool
) -> str:
    """Whether the manifest was signed by one of ``keys`` (a description for a person -> the
    key); what to tell the person restoring. Raises BackupError when it was changed after
    signing (always), or when no key given can check it (unless ``trust``)."""
    try:
        found = json.loads(signature.decode("utf-8")) if signature is not None else None
    except (UnicodeDecodeError, ValueError):
        found = {}
    if found is not None and not isinstance(found, dict):
        found = {}
    known = {key_id(secret): (where, secret) for where, secret in reversed(keys.items())}
    if found is not None and found.get("key") in known and found.get("algorithm") == SIGNING:
        where, secret = known[found["key"]]
        expected = sign_manifest(manifest, secret=secret)["signature"]
        if not hmac.compare_digest(expected, str(found.get("signature", ""))):
            raise _refuse(
                path,
                _(
                    "chữ ký không khớp: nội dung tệp sao lưu đã bị thay đổi sau khi ký (%(key)s); "
                    "không khôi phục gì. Hãy dùng một bản sao lưu khác."
                )
                % {"key": where},
            )
        return _("Chữ ký của tệp sao lưu hợp lệ (%(key)s).") % {"key": where}
    if found is None:
        problem = _(
            "tệp sao lưu không có chữ ký (do theodoi trước khi có chữ ký tạo, hoặc chữ ký đã bị "
            "gỡ bỏ)"
        )
    elif found.get("key") and found.get("algorithm") == SIGNING:
        problem = _(
            "tệp sao lưu được ký bằng khóa khác (mã khóa %(theirs)s; đã thử khóa có mã "
            "%(ours)s): của một cài đặt khác, hoặc lệnh sao lưu đã chạy không cùng "
            "THEODOI_SECRET_KEY với máy chủ"
        ) % {"theirs": str(found["key"])[:16], "ours": ", ".join(sorted(known))}
    else:
        problem = _("chữ ký của tệp sao lưu không đọc được")
    if trust:
        return _(
            "Cảnh báo: KHÔNG kiểm tra chữ ký: %(problem)s; khôi phục theo --trust-unsigned, "
            "không có gì bảo đảm nội dung chưa bị sửa."
        ) % {"problem": problem}
    raise _refuse(
        path,
        _(
            "%(problem)s; không khôi phục gì. Để chuyển dữ liệu từ cài đặt khác, chỉ ra tệp "
            "chứa khóa bí mật của cài đặt đó bằng --key-from TỆP; nếu chắc chắn tệp do chính "
            "anh/chị tạo và được giữ an toàn, thêm --trust-unsigned để bỏ qua kiểm tra chữ ký."
        )
        % {"problem": problem},
    )


def read_manifest(
    path: Path | str,
    *,
    keys: dict[str, str] | None = None,
    trust_unsigned: bool = False,
    summary: Summary | None = None,
) -> dict:
    """The manifest of a backup, after checking the file whole: a ZIP, of our format, signed
    by one of ``keys`` (by default the installation's own key), every member present with the
    size and SHA-256 the manifest gives. Raises BackupError."""
    path = Path(path)
    if keys is None:
        keys = {_("khóa của cài đặt này"): settings.SECRET_KEY}
    if not path.is_file():
        raise _refuse(path, _("không tìm thấy tệp sao lưu."))
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                manifest_bytes = archive.read(MANIFEST)
            except KeyError:
                raise _refuse(
                    path, _("không phải tệp sao lưu của theodoi (thiếu manifest.json).")
                ) from None
            manifest = json.loads(manifest_bytes.decode("utf-8"))
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise _refuse(
                    path,
                    _("định dạng sao lưu không được hỗ trợ (cần %(format)s).") % {"format": FORMAT},
                )
            names = set(archive.namelist())
            signature = archive.read(SIGNATURE) if SIGNATURE in names else None
            note = _check_signature(
                path, manifest_bytes, signature, keys=keys, trust=trust_unsigned
            )
            if summary is not None:
                summary.signature = note
            listed = manifest.get("files") or {}
            if (
                not isinstance(listed, dict)
                or not all(isinstance(entry, dict) for entry in listed.values())
                or not isinstance(manifest.get("models", {}), dict)
            ):
                raise _refuse(path, _("manifest.json không đúng định dạng; không khôi phục gì."))
            for entry in manifest.get("models", {}).values():
                if not isinstance(entry, dict) or entry.get("member") not in listed:
                    raise _refuse(
                        path, _("manifest.json không đúng định dạng; không khôi phục gì.")
                    )
            present = names - {MANIFEST, SIGNATURE}
            if missing := sorted(set(listed) - present):
                raise _refuse(path, _("tệp sao lưu thiếu %(member)s.") % {"member": missing[0]})
            if extra := sorted(present - set(listed)):
                raise _refuse(
                    path,
                    _("tệp sao lưu có %(member)s không ghi trong manifest.") % {"member": extra[0]},
                )
            for member, expected in listed.items():
                digest, size = hashlib.sha256(), 0
                with archive.open(member) as stream:
                    while chunk := stream.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                if digest.hexdigest() != expected.get("sha256") or size != expected.get("size"):
                    raise _refuse(
                        path,
                        _("%(member)s bị hỏng (mã băm SHA-256 không khớp); không khôi phục gì.")
                        % {"member": member},
                    )
    except BackupError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        ValueError,
        zlib.error,
    ) as error:
        raise _refuse(
            path,
            _("tệp sao lưu bị hỏng hoặc không đầy đủ (%(error)s); không khôi phục gì.")
            % {"error": error},
        ) from error
    return manifest


def _migration_targets(
    path: Path, manifest: dict, loader: MigrationLoader
) -> list[tuple[str, str]]:
    """The last migration the backup had applied in each app; a backup that knows migrations
    this code does not (made by a newer theodoi) is refused."""
    known = set(loader.disk_migrations)
    backup_state = {
        (app_label, name)
        for app_label, names in (manifest.get("migrations") or {}).items()
        for name in names
    }
    unknown = sorted(
        node for node in backup_state if node not in known and node not in loader.replacements
    )
    if unknown:
        app_label, name = unknown[0]
        raise _refuse(
            path,
            _(
                "tệp sao lưu được tạo bởi phiên bản theodoi mới hơn (có bước cập nhật cơ sở dữ liệu "
                "%(app)s.%(name)s mà phiên bản này (%(version)s) không có). Hãy khôi phục bằng "
                "phiên bản %(backup_version)s trở lên."
            )
            % {
                "app": app_label,
                "name": name,
                "version": theodoi.__version__,
                "backup_version": manifest.get("theodoi", "?"),
            },
        )
    targets = []
    for app_label in sorted({app for app, _name in backup_state}):
        nodes = [node for node in backup_state if node[0] == app_label]
        # The applied migration whose plan includes the most others is the app's last one.
        targets.append(max(nodes, key=lambda node: len(loader.graph.forwards_plan(node))))
    return targets


def _existing_rows(connection) -> dict[str, int]:
    """Rows already in the tables a restore fills (tables not created yet count as empty)."""
    tables = set(connection.introspection.table_names())
    found = {}
    with connection.cursor() as cursor:
        for model in [*saved_models(), global_apps.get_model("sessions", "Session")]:
            table = model._meta.db_table
            if table not in tables:
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            if count := cursor.fetchone()[0]:
                found[model._meta.label_lower] = count
    return found


def _describe(rows: dict[str, int]) -> str:
    return ", ".join(f"{label} ({count})" for label, count in sorted(rows.items()))


def restore(
    source: Path | str,
    *,
    force: bool = False,
    key_file: Path | str | None = None,
    trust_unsigned: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    say: Callable[[str], None] = lambda message: None,
) -> Summary:
    """Restore a backup into an empty database (``force`` replaces what is there, after
    ``say`` has listed it). The signature is checked with this installation's key, and with
    the key in ``key_file`` for a backup of another installation; ``trust_unsigned`` restores
    one no key here can check. ``say`` is told how it was checked. Nothing is changed unless
    the whole file checks out; rows are loaded in one transaction, and the uploaded files are
    put in place only once it has committed."""
    source = Path(source).resolve()
    keys = {_("khóa của cài đặt này"): settings.SECRET_KEY}
    if key_file is not None:
        keys[_("khóa trong %(file)s") % {"file": key_file}] = read_key_file(key_file)
    summary = Summary()
    manifest = read_manifest(source, keys=keys, trust_unsigned=trust_unsigned, summary=summary)
    say(summary.signature)
    connection = connections[using]
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    targets = _migration_targets(source, manifest, loader)
    existing = _existing_rows(connection)
    summary.replaced = existing
    if existing:
        if not force:
            raise _refuse(
                source,
                _(
                    "cơ sở dữ liệu đã có dữ liệu: %(rows)s. Khôi phục vào một cơ sở dữ liệu trống, "
                    "hoặc thêm --force để thay toàn bộ dữ liệu hiện có."
                )
                % {"rows": _describe(existing)},
            )
        kept = {  # append-only (tracking.append_only): no flush can empty them
            "auditlog.logentry": _("nhật ký thay đổi (%(count)s dòng), mà nhật ký"),
            "tracking.reportrevision": _("lịch sử báo cáo (%(count)s phiên bản), mà lịch sử"),
        }
        for label, what in kept.items():
            if label in existing:
                raise _refuse(
                    source,
                    _(
                        "cơ sở dữ liệu đã có %(what)s chỉ được ghi thêm, không xóa được; hãy "
                        "khôi phục vào một cơ sở dữ liệu mới."
                    )
                    % {"what": what % {"count": existing[label]}},
                )
        if sorted(targets) != sorted(loader.graph.leaf_nodes()):
            raise _refuse(
                source,
                _(
                    "--force chỉ dùng được khi tệp sao lưu cùng phiên bản cơ sở dữ liệu với mã "
                    "hiện tại; hãy khôi phục tệp này vào một cơ sở dữ liệu mới."
                ),
            )
        say(_("Sẽ thay toàn bộ dữ liệu hiện có: %(rows)s.") % {"rows": _describe(existing)})

    # Bring the database to the backup's state (for a backup of this version: the latest).
    if sorted(targets) == sorted(loader.graph.leaf_nodes()):
        call_command("migrate", database=using, verbosity=0, interactive=False)
    else:
        for app_label, name in targets:
            call_command("migrate", app_label, name, database=using, verbosity=0, interactive=False)
    state_apps = loader.project_state(targets).apps if targets else global_apps

    media_root = Path(settings.MEDIA_ROOT)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=private_folder(media_root.parent)))
    try:
        from auditlog.context import disable_auditlog

        with _database_errors(source), transaction.atomic(using=using), disable_auditlog():
            if existing:
                tables = [
                    model._meta.db_table
                    for model in [*saved_models(), global_apps.get_model("sessions", "Session")]
                ]
                for statement in connection.ops.sql_flush(
                    no_style(), [t for t in tables if t not in APPEND_ONLY], allow_cascade=True
                ):
                    connection.cursor().execute(statement)
            _load_rows(source, manifest, state_apps, using, summary)
            with zipfile.ZipFile(source) as archive:
                for member in manifest["files"]:
                    if not member.startswith("media/"):
                        continue
                    destination = _inside(staging, member.removeprefix("media/"), source)
                    private_folder(destination.parent)
                    with archive.open(member) as stream, _private_output(destination) as out:
                        shutil.copyfileobj(stream, out, CHUNK)
                    summary.files += 1
            _reset_sequences(connection, state_apps, manifest)
        # Committed: now the files.
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                destination = media_root / path.relative_to(staging)
                private_folder(destination.parent)
                os.replace(path, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    # A backup made by an older theodoi: the rest of the way, with its data migrations.
    call_command("migrate", database=using, verbosity=0, interactive=False)
    return summary


@contextlib.contextmanager
def _database_errors(source: Path) -> Iterator[None]:
    """A row the database refuses (a broken reference, a duplicate) ends the restore with a
    message; the transaction has been rolled back by then."""
    try:
        yield
    except DatabaseError as error:
        raise _refuse(
            source,
            _("cơ sở dữ liệu từ chối dữ liệu khôi phục (%(error)s); không khôi phục gì.")
            % {"error": error},
        ) from error


def _private_output(path: Path) -> IO[bytes]:
    """A new file open for writing, 0600 from the start (an uploaded file, as the server
    stores them: FILE_UPLOAD_PERMISSIONS)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE)
    os.fchmod(descriptor, FILE)
    return os.fdopen(descriptor, "wb")


def _inside(root: Path, relative: str, source: Path) -> Path:
    """``root/relative``, refusing a name that would land outside ``root`` (``../``)."""
    parts = PurePosixPath(relative).parts
    if not parts or any(part in {"", ".", ".."} for part in parts) or relative.startswith("/"):
        raise _refuse(
            source, _("tên tệp không hợp lệ trong bản sao lưu: %(name)s") % {"name": relative}
        )
    return root.joinpath(*parts)


def _load_rows(source: Path, manifest: dict, state_apps, using: str, summary: Summary) -> None:
    with zipfile.ZipFile(source) as archive:
        for label, entry in sorted(manifest.get("models", {}).items()):
            loaded = 0
            with archive.open(entry["member"]) as raw:
                lines = io.TextIOWrapper(raw, encoding="utf-8")
                try:
                    for item in _Deserializer(lines, state_apps=state_apps, using=using):
                        item.save(using=using, force_insert=True)
                        loaded += 1
                except serializer_base.DeserializationError as error:
                    raise _refuse(
                        source,
                        _("không đọc được dữ liệu %(model)s: %(error)s; không khôi phục gì.")
                        % {"model": label, "error": error},
                    ) from error
            if loaded != entry.get("rows"):
                raise _refuse(
                    source,
                    _("%(model)s có %(loaded)s dòng, manifest ghi %(rows)s; không khôi phục gì.")
                    % {"model": label, "loaded": loaded, "rows": entry.get("rows")},
                )
            summary.rows[label] = loaded


def _reset_sequences(connection, state_apps, manifest: dict) -> None:
    """Rows came with their ids: the next id the database hands out must come after them."""
    restored = [state_apps.get_model(label) for label in manifest.get("models", {})]
    statements = connection.ops.sequence_reset_sql(no_style(), restored)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
