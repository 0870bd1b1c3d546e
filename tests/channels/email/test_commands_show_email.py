"""The terminal commands and e-mail in the embedded mode (no SMTP: .eml files)."""
from __future__ import annotations

from tests.cli.test_two_commands import _env, _flask


def test_chat_shows_the_email_it_caused_and_the_eml_file_is_written(tmp_path):
    env = _env(tmp_path)
    for name in ("SMTP_HOST", "EMAIL_FROM"):
        env.pop(name, None)
    # 2ª via, first 3 CPF digits, the bill not yet due (2), then the copy by e-mail.
    chat = _flask("chat", "--phone", "+5567999990001", env=env, input="2a via\n116\n2\ne-mail\n")
    assert chat.returncode == 0, chat.stdout + chat.stderr
    assert ("[e-mail para maria.silva@example.com.br: 2ª via do boleto (1 anexo)]"
            in chat.stdout), chat.stdout
    (eml,) = (tmp_path / "mail").glob("*.eml")
    assert b"To: maria.silva@example.com.br" in eml.read_bytes()
