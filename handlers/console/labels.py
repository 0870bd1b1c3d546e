"""Names people read in the console (pt-BR) for the codes stored in the database."""
from __future__ import annotations

JOURNEYS = {"segunda_via": "2ª via de boleto", "agendamento": "Agendamento de consulta",
            "minhas_consultas": "Minhas consultas", "negociacao": "Negociação de débitos",
            "protocolos": "Consulta de protocolos", "garantia_atendimento": "Garantia de atendimento",
            "atendimento_humano": "Atendimento humano",
            "procedimento": "Autorização de procedimento", "status_guia": "Status de guia",
            "contestacao": "Contestação de cobrança"}
FLOWS = {**JOURNEYS, "atendente": "Pedido de atendente"}
HANDOFF = {None: "com o bot", "waiting": "aguardando atendente", "attendant": "em atendimento"}
AUTHORS = {"person": "Beneficiário", "bot": "Bot", "attendant": "Atendente", "system": "Sistema"}
CHANNELS = {"whatsapp": "WhatsApp", "email": "E-mail", "local": "Local"}
TITLE_STATUS = {"open": "em aberto", "paid": "pago", "cancelled": "cancelado", "negotiated": "negociado"}
PROTOCOL_STATUS = {"aberto": "em andamento", "encaminhado": "com a equipe", "concluido": "concluído",
                   "cancelado": "cancelado"}
OUTBOUND_STATUS = {"pending": "na fila de envio", "sending": "enviando", "sent": "enviada",
                   "delivered": "entregue", "read": "lida", "failed": "falhou",
                   "undelivered": "não entregue", "local": "modo local", "skipped": "não enviada"}
ROLES = {"attendant": "Atendente", "supervisor": "Supervisor(a)", "admin": "Administrador(a)"}


def journey(code: str | None) -> str:
    return JOURNEYS.get(code or "", code or "—")
