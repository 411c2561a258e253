"""The county export (R-TRF-9): a county's reviewers (their authority is the county) and
the network's staff export the consolidated records of the county's teachers from every
source, as ``.csv`` or ``.xlsx``, streamed. Another county's export is answered as one
that does not exist (404), as another unit's source is.

Audited: each export is kept (who, when, county, filters, format) before its first byte,
and its row count and end when its last byte is written; both are logged. An export
whose download stopped keeps no end."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, update

from contracts.vocabulary import COUNTIES
from servicekit.clock import Clock
from servicekit.errors import NotFound
from servicekit.tokens import Principal
from services.transfer.adapters.county_export import (
    county_query,
    county_rows,
    csv_chunks,
    xlsx_chunks,
)
from services.transfer.adapters.tables import county_exports
from services.transfer.adapters.unit_of_work import TransferUnitOfWork
from services.transfer.handlers.scope import STAFF

log = logging.getLogger(__name__)
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class ExportFilters:
    starts_from: date | None = None
    starts_to: date | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.starts_from.isoformat() if self.starts_from else None,
                "to": self.starts_to.isoformat() if self.starts_to else None,
                "source": self.source}


def check_county(principal: Principal, county: str) -> None:
    """The network's staff export any county; a reviewer only the county that is their
    authority. Anything else is answered as unknown."""
    if county not in COUNTIES or not (principal.has_any_role(*STAFF) or (
            principal.has_any_role("reviewer") and principal.authority == county)):
        raise NotFound(f"no county {county}")


def county_export(work: Callable[[], TransferUnitOfWork], clock: Clock, principal: Principal,
                  county: str, form: str, filters: ExportFilters) -> Iterator[bytes]:
    """The export's bytes, produced as the client reads them."""
    check_county(principal, county)
    with work() as uow:
        export_id = uow.session.execute(insert(county_exports).values(
            county_code=county, exported_by=principal.subject, exported_at=clock.now(),
            format=form, filters=filters.as_dict()).returning(county_exports.c.id)
        ).scalar_one()
    log.info("county export started", extra={"export_id": export_id, "county": county,
                                             "by": principal.subject, "format": form,
                                             "filters": filters.as_dict()})
    return _stream(work, clock, export_id, county, form, filters)


def _stream(work: Callable[[], TransferUnitOfWork], clock: Clock, export_id: int,
            county: str, form: str, filters: ExportFilters) -> Iterator[bytes]:
    counter = [0]
    with work() as uow:
        rows = county_rows(uow.session, county_query(county, filters.starts_from,
                                                     filters.starts_to, filters.source))
        if form == "csv":
            yield from csv_chunks(rows, counter)
        else:
            yield from xlsx_chunks(rows, counter, f"{county} {COUNTIES[county]}")
    with work() as uow:
        uow.session.execute(update(county_exports).where(county_exports.c.id == export_id)
                            .values(row_count=counter[0], finished_at=clock.now()))
    log.info("county export finished", extra={"export_id": export_id, "county": county,
                                              "rows": counter[0]})
