"""A reason for leaving suggested from a clinic's reply, for the attendant to confirm.

Patterns over the normalized text (no accents, lower case), first match wins, mapped to
the seed-001 list (bot/flows/retention/vocabulary.py). "Agenda lotada" is not on the
form's list: a clinic whose agenda is full of its own patients is read as "Carteira de
Clientes Particular" (decision 0262).
"""
from __future__ import annotations

import re

from bot.language.text import normalize

PATTERNS: tuple[tuple[str, str], ...] = (
    ("obito", r"\b(faleceu|falecimento|obito|veio a obito)\b"),
    ("aposentou", r"\b(aposentar|aposentei|aposentando|aposentadoria|aposentad[oa])\b"),
    ("saude", r"\b(problemas? de saude|doenca|cirurgia que fiz|tratamento medico|licenca medica|afastad[oa])\b"),
    ("encerramento", r"\b(fechar|fechando|encerrar|encerrando|encerramos) (a |o )?(clinica|consultorio|atividades)\b"),
    ("mudou_area", r"\b(mudei|mudando|vou mudar|mudanca) de (area|cidade|estado|ramo)\b"),
    ("estudos", r"\b(mestrado|doutorado|especializacao|estudos|residencia)\b"),
    ("servidor_publico", r"\b(concurso|servidor publico|passei no concurso)\b"),
    ("glosas", r"\bglos"),
    ("sistema", r"\b(sistema|portal|aplicativo|plataforma|site)\b.*\b(dificil|complicad|ruim|trava|nao funciona|lento)"),
    ("prazo_guias", r"\b(demora|demorando|prazo)\b.*\bguias?\b|\bguias?\b.*\b(demora|atras)"),
    ("falta_reajuste", r"\b(sem reajuste|nunca reajust|falta de reajuste|nao reajust|tabela defasada|defasad)"),
    ("valores", r"\b(valor(es)?|tabela|honorarios?|remuneracao|paga(m)? (muito )?pouco|nao compensa)"),
    ("carteira_particular", r"\b(agenda (esta |ta )?(lotada|cheia)|sem (vaga|horario)s?|particular(es)?)\b"),
    ("baixa_procura", r"\b(poucos? pacientes|baixa procura|pouca procura|ninguem procura|nao aparece(m)? paciente)"),
    ("burocracia", r"\bburocra"),
    ("falta_suporte", r"\b(sem suporte|falta de suporte|ninguem (me )?(ajuda|responde)|sem retorno da operadora)"),
    ("contato_central", r"\b(central|telefone)\b.*\b(ninguem atende|nao atende|dificil)"),
    ("cobranca_indevida", r"\bcobranca indevida|\bcobraram indevid"),
    ("beneficiario_grosseiro", r"\b(paciente|beneficiario)s? (grosseir|mal educad|agressiv)"),
    ("negativa", r"\b(negativa|negaram|negam) (de )?(atendimento|procedimento)"),
    ("judicializacao", r"\b(processo judicial|processar|advogado|justica)\b"),
    ("migracao", r"\b(outra operadora|outro convenio|migrar|migrando)\b"),
    ("esteticos", r"\b(estetic|harmonizacao|lente de contato)"),
    ("regras_tecnicas", r"\b(regras? tecnicas?|auditoria|pericia|raio.?x obrigatorio)"),
    ("responsavel_tecnico", r"\bresponsavel tecnico"),
    ("sem_local", r"\b(sem (local|consultorio)|perdi o (local|consultorio)|entreguei a sala)"),
    ("terceirizacao", r"\bterceiriz"),
    ("franquia", r"\bfranquia"),
)
_COMPILED = tuple((code, re.compile(p)) for code, p in PATTERNS)


def suggest(text: str) -> str | None:
    """The reason code the text points to, or None (the attendant picks one)."""
    norm = normalize(text or "")
    return next((code for code, pattern in _COMPILED if pattern.search(norm)), None)
