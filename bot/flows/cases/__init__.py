"""Document cases shared by the journeys that collect documents (atualização cadastral,
maioridade, troca de titularidade): checklists from config/, the case record, the review
by the registration team and what the person is told at each step."""
