"""The certificates both clients trust: SSL_CERT_FILE / SSL_CERT_DIR, else certifi's."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from puffin.client.trust import BackgroundContext, create_ssl_context
from puffin.errors import UsageError
from tests.support.run import run_puffin


def test_without_settings_certifis_bundle_is_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    import certifi

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    context = create_ssl_context()
    expected = ssl.create_default_context(cafile=certifi.where())
    assert context.get_ca_certs() == expected.get_ca_certs()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname


def test_an_unreadable_ssl_cert_file_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "missing.pem"
    monkeypatch.setenv("SSL_CERT_FILE", str(missing))
    with pytest.raises(UsageError) as caught:
        BackgroundContext().get()  # raised where the context is needed, not on the thread
    assert str(caught.value) == (
        f"SSL_CERT_FILE is {missing}, which holds no usable certificates: No such file or directory"
    )


def test_pip_compile_says_which_variable_is_wrong_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("six\n")
    (tmp_path / "not-pem.txt").write_text("not a certificate\n")
    result = run_puffin(
        "pip-compile", "--cache-dir", tmp_path / "cache", "-o", "-", tmp_path / "requirements.in",
        env={"SSL_CERT_FILE": str(tmp_path / "not-pem.txt")},
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"error: SSL_CERT_FILE is {tmp_path / 'not-pem.txt'}, which holds no usable"
        " certificates: [X509: NO_CERTIFICATE_OR_CRL_FOUND]"
    )
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
