"""The closed lists of the retention form (seed 001), code → label as the form prints it."""
from __future__ import annotations

AREAS = {
    "cirurgia": "Cirurgia", "periodontia": "Periodontia", "dentistica": "Dentística",
    "protese": "Prótese Dentária", "endodontia": "Endodontia", "clinico_geral": "Clínico Geral",
    "ortodontia": "Ortodontia", "urgencia": "Urgência e Emergência", "radiologia": "Radiologia",
    "odontopediatria": "Odontopediatria",
}

ACTIONS = {
    "novos_valores": "Ofertado Novos Valores", "suporte": "Ofertado Suporte",
    "divulgacao": "Ofertado Divulgação", "treinamento": "Ofertado Treinamento",
    "reciclagem": "Ofertado Reciclagem", "outros": "Outros",
}

REASONS = {
    "perda_contato": "Perda de Contato", "saude": "Problemas de Saúde",
    "beneficiario_grosseiro": "Beneficiário Grosseiro", "valores": "Valores",
    "franquia": "Franquia", "responsavel_tecnico": "Alteração Responsável Técnico",
    "removido": "Removido Prestador", "sem_local": "Sem Local de Atendimento",
    "glosas": "Glosas", "sistema": "Dificuldades com o Sistema",
    "prazo_guias": "Prazo Liberação de Guias", "encerramento": "Encerramento de Atividades",
    "regras_tecnicas": "Regras Técnicas", "esteticos": "Apenas procedimentos Estéticos",
    "aposentou": "Aposentou", "baixa_procura": "Baixa Procura",
    "contato_central": "Dificuldade de Contato com a Central",
    "falta_suporte": "Falta de Suporte da Operadora", "cobranca_indevida": "Cobrança indevida",
    "burocracia": "Burocracia Operadora", "negativa": "Negativa de Atendimento",
    "judicializacao": "Ameaça Judicialização", "terceirizacao": "Terceirização de Atendimento",
    "migracao": "Migração", "carteira_particular": "Carteira de Clientes Particular",
    "estudos": "Estudos", "outros": "Outros", "servidor_publico": "Servidor Público",
    "mudou_area": "Mudou de Área", "obito": "Óbito", "falta_reajuste": "Falta de Reajuste",
}

OUTCOMES = {"retained": "Retido", "left": "Descredenciado", "partial": "Retido parcialmente"}
