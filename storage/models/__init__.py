"""All tables; importing this module registers every model on Base.metadata."""
from .base import Base
from .core import (
    Attendant,
    Conversation,
    InboundMessage,
    OutboundMessage,
    Protocol,
    ProtocolEvent,
    ProtocolSequence,
)
from .console import AuditEntry, ConsoleUser
from .negotiation import Agreement, Campaign, CampaignTarget
from .scheduling import Appointment
from .registry import (
    Beneficiary,
    BeneficiaryPhone,
    FinancialTitle,
    Guide,
    IssuedBill,
    Provider,
    Slot,
)

__all__ = [
    "AuditEntry", "ConsoleUser",
    "Agreement", "Appointment", "Base", "Campaign", "CampaignTarget", "Attendant", "Conversation", "InboundMessage", "OutboundMessage", "Protocol",
    "ProtocolEvent", "ProtocolSequence", "Beneficiary", "BeneficiaryPhone", "FinancialTitle",
    "Guide", "IssuedBill", "Provider", "Slot",
]
