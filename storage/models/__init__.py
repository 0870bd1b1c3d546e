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
from .email import EmailBounce, EmailSent
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
    "Agreement", "Appointment", "EmailBounce", "EmailSent", "Base", "Campaign", "CampaignTarget", "Attendant", "Conversation", "InboundMessage", "OutboundMessage", "Protocol",
    "ProtocolEvent", "ProtocolSequence", "Beneficiary", "BeneficiaryPhone", "FinancialTitle",
    "Guide", "IssuedBill", "Provider", "Slot",
]
