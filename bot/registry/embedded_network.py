"""The embedded registry's side of cancellations and the dental network (issue 16):
a mixin of `EmbeddedRegistry`, which provides `self.s` (the bound session)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from bot.language import phones
from storage.models import (
    RegCancellation,
    RegDentalContact,
    RegDentalProvider,
    RegIndicator,
)

from .base import DentalProviderInfo
from .reads import LOOKUP


class EmbeddedNetwork:
    def register_cancellation(self, beneficiary_ref: str, protocol_number: str,
                              requested_at: datetime, dependent_refs: list[str],
                              idempotency_key: str) -> None:
        known = self.s.scalars(select(RegCancellation)
                               .where(RegCancellation.idempotency_key == idempotency_key)).first()
        if known is not None:
            return  # a retried write: already on record
        self.s.add(RegCancellation(
            idempotency_key=idempotency_key, beneficiary_ref=beneficiary_ref,
            protocol_number=protocol_number, requested_at=requested_at,
            dependent_refs=list(dependent_refs)))
        self.s.flush()

    def loss_ratio(self, beneficiary_ref: str) -> Decimal | None:
        row = self.s.get(RegIndicator, beneficiary_ref)
        return row.loss_ratio_pct if row is not None else None

    def dental_provider(self, ref: str) -> DentalProviderInfo | None:
        row = self.s.scalars(select(RegDentalProvider).where(RegDentalProvider.ref == ref),
                             execution_options=LOOKUP).first()
        return dental_info(row) if row else None

    def dental_provider_by_cro(self, cro: str, uf: str) -> DentalProviderInfo | None:
        row = self.s.scalars(select(RegDentalProvider).where(
            RegDentalProvider.cro == cro.lstrip("0"), RegDentalProvider.uf == uf.upper())).first()
        return dental_info(row) if row else None

    def dental_provider_by_contact(self, address: str) -> DentalProviderInfo | None:
        spellings = contact_spellings(address)
        ref = self.s.scalars(select(RegDentalContact.provider_ref)
                             .where(RegDentalContact.address.in_(spellings))
                             .order_by(RegDentalContact.provider_ref),
                             execution_options=LOOKUP).first()
        return self.dental_provider(ref) if ref else None


def contact_spellings(address: str) -> list[str]:
    """An e-mail in lower case; a phone in every spelling a Brazilian mobile may take."""
    address = (address or "").strip()
    if "@" in address:
        return [address.lower()]
    return list(phones.variants(address))


def dental_info(row: RegDentalProvider) -> DentalProviderInfo:
    return DentalProviderInfo(
        ref=row.ref, name=row.name, kind=row.kind, cro=row.cro, uf=row.uf, city=row.city,
        phones=tuple(row.phones or ()), emails=tuple(row.emails or ()),
        areas=tuple(row.areas or ()), cnpj=row.cnpj, cpf=row.cpf, included_on=row.included_on)
