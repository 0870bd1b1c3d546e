"""The embedded registry's contract changes approved by the registration team (issue 12):
a dependent kept as a student (maioridade) and the holder's change (troca de
titularidade). A mixin of `EmbeddedRegistry`, which provides `self.s` (the bound session).

Each change is recorded in `reg_contract_changes` under its idempotency key, in the
caller's transaction: a repeated key (a review request retried, a double click) finds the
record and changes nothing.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.platform import clock
from storage.models import Beneficiary, RegContractChange

from .base import NewHolder


class EmbeddedContracts:
    def continue_as_student(self, dependent_ref: str, valid_until: date, protocol: str,
                            idempotency_key: str) -> None:
        if self._contract_change(idempotency_key) is not None:
            return
        row = self._active_row(dependent_ref)
        if row.holder_ref is None:
            raise ValueError(f"{dependent_ref} is a holder, not a dependent")
        row.student_until = valid_until
        self._record(idempotency_key, "maioridade", dependent_ref, protocol, clock.today(),
                     {"student_until": valid_until.isoformat()})

    def transfer_holder(self, holder_ref: str, new_holder: NewHolder, holder_deceased: bool,
                        effective_on: date, protocol: str, idempotency_key: str) -> str:
        done = self._contract_change(idempotency_key)
        if done is not None:
            return done.details["new_holder_ref"]
        old = self._active_row(holder_ref)
        if old.holder_ref is not None:
            raise ValueError(f"{holder_ref} is not a holder")
        row = self.s.scalars(select(Beneficiary).where(Beneficiary.cpf == new_holder.cpf)).first()
        promoted = row is not None
        if row is None:
            row = Beneficiary(ref=self._free("ref", f"{old.ref}-T"), name=new_holder.name,
                              cpf=new_holder.cpf, birth_date=None, phones=[], email=None,
                              address={}, plan=old.plan, holder_ref=None, status="active",
                              card_number=self._free("card_number", old.card_number))
            self.s.add(row)
        elif row.holder_ref != old.ref or row.status != "active":
            raise ValueError("the new holder's CPF belongs to another contract")
        else:  # a dependent of this contract becomes its holder
            row.holder_ref, row.student_until = None, None
        self.s.flush()  # the new row's id, before the dependents are looked up
        moved = list(self.s.scalars(select(Beneficiary).where(
            Beneficiary.holder_ref == old.ref, Beneficiary.status == "active",
            Beneficiary.id != row.id).order_by(Beneficiary.id)))
        for dependent in moved:
            dependent.holder_ref = row.ref
        old.status = "deceased" if holder_deceased else "transferred"
        old.status_since = effective_on
        self._record(idempotency_key, "troca_titularidade", holder_ref, protocol, effective_on, {
            "new_holder_ref": row.ref, "promoted_dependent": promoted,
            "dependents": [d.ref for d in moved], "former_holder_status": old.status})
        return row.ref

    # -- helpers -------------------------------------------------------------------
    def _contract_change(self, idempotency_key: str) -> RegContractChange | None:
        return self.s.scalars(select(RegContractChange)
                              .where(RegContractChange.idempotency_key == idempotency_key)).first()

    def _active_row(self, ref: str) -> Beneficiary:
        row = self.s.scalars(select(Beneficiary).where(Beneficiary.ref == ref)).first()
        if row is None:
            raise ValueError(f"unknown beneficiary {ref}")
        if row.status != "active":
            raise ValueError(f"{ref} is no longer in the contract ({row.status})")
        return row

    def _free(self, column: str, stem: str) -> str:
        """`stem` + the first sequence number no beneficiary holds in that column (a new
        holder's ref and card: the operator's system numbers its own cards)."""
        taken = set(self.s.scalars(select(getattr(Beneficiary, column))
                                   .where(getattr(Beneficiary, column).startswith(stem))))
        n = 1
        while f"{stem}{n}" in taken:
            n += 1
        return f"{stem}{n}"

    def _record(self, key: str, kind: str, ref: str, protocol: str, effective_on: date,
                details: dict) -> None:
        self.s.add(RegContractChange(idempotency_key=key, kind=kind, beneficiary_ref=ref,
                                     protocol=protocol, effective_on=effective_on,
                                     details=details, applied_at=clock.now()))
        self.s.flush()
