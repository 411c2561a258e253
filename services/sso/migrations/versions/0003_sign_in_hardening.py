"""Sign-in hardening: no typed name kept in clear.

* ``login_records`` of a known account keep the account's own login name rather than the
  spelling typed. Records of names that are no account's are digested by the one-off
  command ``digest-login-records`` (it needs the ``PAIRWISE_KEY`` secret, which a
  migration does not read); until then, at the latest, ``tidy-records`` removes them
  after the retention period.
* ``login_throttle`` counters were keyed by the names as typed: they go. New counters are
  keyed by digests; a lock under way at the upgrade is lifted (counters last minutes).

Revision ID: 0003_sign_in_hardening
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_sign_in_hardening"
down_revision = "0003"


def upgrade() -> None:
    op.execute(
        "UPDATE login_records SET login = (SELECT r.login FROM account_replica r"
        " WHERE r.account_id = login_records.account_id)"
        " WHERE account_id IS NOT NULL AND EXISTS (SELECT 1 FROM account_replica r"
        " WHERE r.account_id = login_records.account_id)")
    op.execute("DELETE FROM login_throttle")


def downgrade() -> None:
    # Digested names cannot be given back; the counters start afresh either way.
    pass
