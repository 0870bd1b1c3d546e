"""Entry point for gunicorn (`gunicorn wsgi:app`) and the Flask CLI (`flask --app wsgi`)."""
from bot.app import create_app_or_exit

app = create_app_or_exit()
