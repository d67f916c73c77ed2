"""Reading a file a person named, with an answer they can act on when it fails."""

from __future__ import annotations

from pathlib import Path


def read_bytes(path: str | Path, error: type[Exception]) -> bytes:
    """The file's bytes; ``error`` with a one-line Vietnamese message when it cannot be read
    (missing, a folder, no permission, any other OS error)."""
    path = Path(path)
    try:
        if path.is_dir():
            raise error("là một thư mục, không phải tệp")
        return path.read_bytes()
    except FileNotFoundError:
        raise error("không tìm thấy tệp") from None
    except IsADirectoryError:
        raise error("là một thư mục, không phải tệp") from None
    except PermissionError:
        raise error("không có quyền đọc tệp") from None
    except OSError as exc:
        raise error(f"không đọc được tệp: {exc.strerror or exc}") from None
