"""The synchronisation with Chorus Pro of one structure (migration 0008).

The synchronisation no longer holds the database while it waits for Chorus Pro: it works in
short transactions between its network calls. This row keeps what must survive between them:

* who runs it now (``jeton``, ``utilisateur``, ``machine``, ``pid``; ``vu_le`` renewed at each
  step), so that two
  workstations do not fetch the same invoices or send the same status at the same time;
* the Chorus Pro ids of the invoices found and asked for but not integrated yet
  (``a_integrer``, JSON list): downloading flags them as downloaded in Chorus Pro, which stops
  offering them — if the integration fails or the program stops, the next synchronisation
  downloads them again from this list.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from corail.db.base import Base


class SynchroChorus(Base):
    __tablename__ = "synchro_chorus"
    __table_args__ = (UniqueConstraint("collectivite_id", "siret"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    collectivite_id: Mapped[int] = mapped_column(ForeignKey("collectivite.id"))
    siret: Mapped[str] = mapped_column(String(14))
    jeton: Mapped[str | None] = mapped_column(String(32))  # the running synchronisation's
    utilisateur: Mapped[str | None] = mapped_column(String(50))
    machine: Mapped[str | None] = mapped_column(String(100))
    pid: Mapped[int | None] = mapped_column(Integer)
    vu_le: Mapped[datetime | None]  # its last step
    a_integrer: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    terminee_le: Mapped[datetime | None]  # end of the last complete synchronisation
