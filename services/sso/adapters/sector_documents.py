"""Reading a partner's sector identifier document (OpenID Connect Core 8.1): a JSON array
of redirect URIs, served over https by the organisation that claims the sector. Reading
it is what proves the claim — without it, any partner could name another's sector and
receive the same pairwise subjects, joining its users to theirs."""
from __future__ import annotations

import json
import time

import requests

MAX_BYTES = 64 * 1024  # a list of redirect URIs; anything larger is not one


class SectorDocumentError(ValueError):
    """Why the document cannot be used, in words safe to show the operator."""


class SectorDocuments:
    def __init__(self, timeout: float, session: requests.Session | None = None) -> None:
        self._timeout = timeout
        self._session = session

    def redirect_uris(self, uri: str) -> list[str]:
        """Within ``timeout`` in all: a server that trickles its answer byte by byte does
        not hold a web worker for longer."""
        session = self._session or _plain_session()
        deadline = time.monotonic() + self._timeout
        try:
            with session.get(uri, timeout=self._timeout, allow_redirects=False,
                             stream=True, headers={"Accept": "application/json"}) as answer:
                if answer.status_code != 200:
                    raise SectorDocumentError(f"the sector identifier URI answered "
                                              f"HTTP {answer.status_code}")
                body = b""
                for chunk in answer.iter_content(8192):
                    body += chunk
                    if len(body) > MAX_BYTES or time.monotonic() > deadline:
                        break
        except requests.RequestException as error:
            raise SectorDocumentError(f"the sector identifier URI could not be read "
                                      f"({type(error).__name__})") from None
        finally:
            if self._session is None:
                session.close()
        if time.monotonic() > deadline:
            raise SectorDocumentError(f"the sector identifier URI took longer than "
                                      f"{self._timeout:g} s to answer")
        if len(body) > MAX_BYTES:
            raise SectorDocumentError(f"the sector identifier document is larger than "
                                      f"{MAX_BYTES // 1024} KiB")
        try:
            listed = json.loads(body)
        except ValueError:
            raise SectorDocumentError("the sector identifier document is not JSON") from None
        if not isinstance(listed, list) or not all(isinstance(item, str) for item in listed):
            raise SectorDocumentError("the sector identifier document must be a JSON array "
                                      "of redirect URIs")
        return listed


def _plain_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy or .netrc credentials from the environment
    return session
