"""A password for the demo reader (``aube up``): made once, kept beside the database so
each run can tell the person how to log in again."""

from __future__ import annotations

import os
import secrets

from aube.config import Settings
from aube.store import Store
from aube.types import User
from aube.web import passwords

LOGIN_FILE = "demo-login.txt"


def demo_password(store: Store, settings: Settings, user: User) -> str:
    """The demo account's password: the one in ``<data_dir>/demo-login.txt`` while it still
    opens the account, else a new random one (stored hashed; the file is readable by its
    owner only)."""
    path = settings.data_dir / LOGIN_FILE
    if path.is_file():
        known = path.read_text(encoding="utf-8").strip()
        ok, _ = passwords.verify(store.password_hash(user.id), known)
        if ok:
            return known
    password = secrets.token_urlsafe(9)
    store.update_user(user.id, password_hash=passwords.hash_password(password))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(password + "\n")
    return password
