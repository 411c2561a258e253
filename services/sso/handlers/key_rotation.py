"""Finishing a rotation of ``KEY_ENCRYPTION_KEY``: every signing key and county credential
sealed under an earlier key is opened and sealed again under the current one, so the
retired secret can be dropped. Batch by batch (servicekit.batches): a run that stops is
continued by the next, a key rotated or a credential set meanwhile keeps what that change
wrote, and a value no configured key opens is counted and named, and stays as it is. No
secret is ever in the result."""
from __future__ import annotations

from typing import Any

from services.sso.adapters.sealed_secrets import SEALED, SealedSecrets
from services.sso.adapters.sealing import Sealer

DEFAULT_BATCH = 1000


def reseal_secrets(secrets: SealedSecrets, sealer: Sealer,
                   batch_size: int = DEFAULT_BATCH) -> dict[str, Any]:
    result: dict[str, Any] = {"current_key_id": sealer.current_key_id}
    for name in SEALED:
        count = secrets.reseal(name, sealer, batch_size)
        run = count.run
        result[name] = {"already_current": count.already_current, "resealed": run.rewritten,
                        "changed_meanwhile": run.changed_meanwhile,
                        "unreadable": run.unreadable, "unreadable_ids": run.unreadable_ids,
                        "remaining": count.remaining}
    return result
