"""All tables; importing this module registers every model on Base.metadata."""
from .attachments import Attachment, AttachmentDiscard, AttachmentView
from .base import Base
from .cases import CaseDocument, DocumentCase
from .console import AuditEntry, ConsoleUser
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
from .procedures import BillingDispute, GuideEvent, GuideTracking, ProcedureRequest
from .registry import (
    Beneficiary,
    BeneficiaryPhone,
    BillItem,
    Coverage,
    FinancialTitle,
    Guide,
    IssuedBill,
    Provider,
    RegContractChange,
    Slot,
)
from .retention import (
    Cancellation,
    RegCancellation,
    RegDentalContact,
    RegDentalProvider,
    RegIndicator,
    RetentionCase,
    RetentionContact,
)
from .scheduling import Appointment

__all__ = [
    "CaseDocument", "DocumentCase",
    "Attachment", "AttachmentDiscard", "AttachmentView", "EmailBounce", "EmailSent",
    "AuditEntry", "ConsoleUser",
    "Agreement", "Appointment", "Base", "Campaign", "CampaignTarget", "Attendant", "Conversation", "InboundMessage", "OutboundMessage", "Protocol",
    "ProtocolEvent", "ProtocolSequence", "Beneficiary", "BeneficiaryPhone", "FinancialTitle",
    "Guide", "IssuedBill", "Provider", "RegContractChange", "Slot",
    "BillItem", "BillingDispute", "Coverage", "GuideEvent", "GuideTracking", "ProcedureRequest",
    "Cancellation", "RegCancellation", "RegDentalContact", "RegDentalProvider", "RegIndicator",
    "RetentionCase", "RetentionContact",
]
